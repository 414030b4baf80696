"""Making room for a new flexible request by re-placing flexible bookings that have not started yet.

A booking made for a flexible request promises "an asset that fits, some time in your window", not one asset
at one time. So when a new request finds every fitting asset busy, the pool may move the not-yet-started
flexible bookings of that category, each inside its own window, if that makes room. This is what lets the
instant answer beat first come, first served inside a category, not only the nightly batch run.

The rules, which keep it fair to the members already served:
- Only bookings made for a flexible request, confirmed or pending, that start after the freeze horizon
  (FREEZE, and never earlier than FREEZE after now once moved): nobody about to pick up is moved. Direct
  bookings, checked-out ones and everything else stay where they are.
- A booking moves only inside its own request's window, onto an asset that meets that request.
- All or nothing: every booking taken into account must stay served (the solver weighs them far above the
  newcomer, and the answer is checked), or nothing moves.
- As few moves as possible: after solving, each booking goes back to its own place where that is still free.
- Every member whose booking moved is told the new asset and time.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from time import monotonic

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation import scheduling_adapter as adapter
from fleet.booking.availability import overlapping_maintenance
from fleet.booking.bookings import check_booking_rules, insert_holding_booking, move_holding_booking
from fleet.core.errors import DomainError
from fleet.core.messages import When
from fleet.models import Asset, Booking, BookingStatus, FlexibleRequest, RequestStatus
from fleet.members.notifications import notify

FREEZE = timedelta(hours=24)
MAX_MOVABLE = 60  # bookings considered per attempt: keeps the instant answer within its time limit
MAX_MOVES = 3  # bookings one newcomer may move; more and the plan churns for little gain
MIN_TRY_SECONDS = 0.05
SINGLE_TRIES = 12  # bookings in the newcomer's way tried one at a time before all together
KEEP_PRIORITY = 1000  # far above fair-share priorities (1 to 3): a kept booking is never traded away
MOVABLE_STATUSES = (BookingStatus.confirmed, BookingStatus.pending)


def movable_requests(session: Session, waiting: list[FlexibleRequest], now: datetime) -> list[FlexibleRequest]:
    """The assigned requests of the waiting requests' category whose bookings may move to make room: booked
    after the freeze horizon and overlapping the waiting requests' windows."""
    windows = [adapter.effective_window(r, now) for r in waiting]
    start, end = min(w[0] for w in windows), max(w[1] for w in windows)
    return list(session.scalars(
        select(FlexibleRequest).join(Booking, FlexibleRequest.booking_id == Booking.id)
        .where(FlexibleRequest.category_id == waiting[0].category_id,
               FlexibleRequest.id.not_in([r.id for r in waiting]),
               FlexibleRequest.status == RequestStatus.assigned, Booking.status.in_(MOVABLE_STATUSES),
               Booking.start_at >= now + FREEZE, Booking.start_at < end, Booking.end_at > start)
        .options(joinedload(FlexibleRequest.booking), joinedload(FlexibleRequest.category))
        .order_by(Booking.start_at, Booking.id).limit(MAX_MOVABLE)))


def make_room(session: Session, waiting: list[FlexibleRequest], now: datetime, time_limit: float,
              priorities: dict[int, int]) -> dict[int, Booking]:
    """Try to serve the newcomer (the last of `waiting`) by re-placing movable flexible bookings; the
    waitlisted requests before it whose windows overlap are considered too. Returns {request id: new
    booking} for the requests served; nothing changes when the newcomer cannot be served.

    Fewest moves first: each single booking in the newcomer's way is tried alone (a tiny problem, solved in
    milliseconds), then all movable bookings together."""
    if not waiting:
        return {}
    movable = movable_requests(session, waiting, now)
    if not movable:
        return {}
    start, end = adapter.effective_window(waiting[-1], now)
    in_the_way = [r for r in movable if r.booking.start_at < end and r.booking.end_at > start][:SINGLE_TRIES]
    deadline = monotonic() + time_limit  # the whole attempt, not each try: the member is waiting
    for group in [*([r] for r in in_the_way), movable]:
        remaining = deadline - monotonic()
        if remaining < MIN_TRY_SECONDS:
            break
        booked = _attempt(session, waiting, group, now, remaining, priorities)
        if booked:
            return booked
    return {}


def _attempt(session: Session, waiting: list[FlexibleRequest], movable: list[FlexibleRequest], now: datetime,
             time_limit: float, priorities: dict[int, int]) -> dict[int, Booking]:
    snapshot = adapter.snapshot_problem(
        session, movable + waiting, now, {**priorities, **{r.id: KEEP_PRIORITY for r in movable}},
        ignore_bookings={r.booking_id for r in movable}, not_before={r.id: now + FREEZE for r in movable})
    if any(str(r.id) not in snapshot.requests for r in movable):
        return {}
    solution = adapter.solve(snapshot, time_limit)
    placed = {int(a.request): (int(a.asset), a.start) for a in solution.assignments}
    if waiting[-1].id not in placed or any(r.id not in placed for r in movable):
        return {}  # the newcomer still does not fit, or someone would lose their booking: change nothing
    served = [r for r in waiting if r.id in placed]
    _keep_where_possible(placed, movable, served)
    if sum(placed[r.id] != (r.booking.asset_id, r.booking.start_at) for r in movable) > MAX_MOVES:
        return {}  # room at too high a price: members value a stable plan more than one more booking
    return _apply(session, served, movable, placed, snapshot.assets, now)


def _keep_where_possible(placed: dict[int, tuple[int, datetime]], movable: list[FlexibleRequest],
                         served: list[FlexibleRequest]) -> None:
    """Put each moved booking back where it was when no other placement overlaps that place now."""
    durations = {r.id: timedelta(minutes=r.duration_minutes) for r in [*movable, *served]}
    placed_now = {rid: p for rid, p in placed.items() if rid in durations}
    placed.clear()
    placed.update(placed_now)

    def clashes(request_id: int, asset_id: int, start: datetime) -> bool:
        end = start + durations[request_id]
        return any(other != request_id and a == asset_id and s < end and start < s + durations[other]
                   for other, (a, s) in placed.items())

    changed = True
    while changed:  # one restored booking can free the place of another
        changed = False
        for r in movable:
            own = (r.booking.asset_id, r.booking.start_at)
            if placed[r.id] != own and not clashes(r.id, *own):
                placed[r.id] = own
                changed = True


def _apply(session: Session, served: list[FlexibleRequest], movable: list[FlexibleRequest],
           placed: dict[int, tuple[int, datetime]], assets: dict[str, Asset], now: datetime) -> dict[int, Booking]:
    """Move the bookings and book the served requests in one savepoint; any rule or conflict undoes it all."""
    moved = [r for r in movable if placed[r.id] != (r.booking.asset_id, r.booking.start_at)]
    statuses: dict[int, BookingStatus] = {}
    new: dict[int, Booking] = {}
    try:
        with session.begin_nested():
            # Park the moved bookings first so that swaps between them never clash midway.
            for r in moved:
                statuses[r.id] = r.booking.set_aside()
            session.flush()
            for r in moved:
                asset, start, end = _placement(session, r, placed, assets, now, check_booking_rules)
                r.booking.resume(statuses[r.id])
                move_holding_booking(session, r.booking, asset, start, end)
            for r in served:
                asset, start, end = _placement(session, r, placed, assets, now, check_booking_rules)
                new[r.id] = insert_holding_booking(session, asset, r.member_id, start, end, now, r.note)
    except (DomainError, _Refused):  # a rule, or the exclusion constraint on a move (a Conflict)
        _reload(session, moved)
        return {}
    for r in moved:
        b = r.booking
        zone = b.asset.hub.timezone
        notify(session, b.member_id, "booking_moved",
               "To make room for another member, your booking moved to %(asset)s at %(hub)s, %(start)s to "
               "%(end)s, inside the window you asked for.", now, b.id, request_id=r.id,
               asset=b.asset.name, hub=b.asset.hub.name, start=When(b.start_at, zone), end=When(b.end_at, zone))
    return new


def _reload(session: Session, moved: list[FlexibleRequest]) -> None:
    for r in moved:
        session.refresh(r.booking)


def _placement(session: Session, request: FlexibleRequest, placed, assets, now: datetime, check_rules):
    asset_id, start = placed[request.id]
    asset = assets[str(asset_id)]
    end = start + timedelta(minutes=request.duration_minutes)
    try:
        check_rules(asset, start, end, now)
    except DomainError:
        raise _Refused from None
    if overlapping_maintenance(session, asset.id, start, end):
        raise _Refused
    return asset, start, end


class _Refused(Exception):
    """A placement the solver proposed fails a rule it does not model: the whole attempt is dropped."""
