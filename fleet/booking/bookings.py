"""Booking services: book, cancel, approve, reject, and the reads members and coordinators need.

Every function takes the session, the acting member and `now`, raises a DomainError, and only flushes;
the caller commits once. On PostgreSQL the exclusion constraint is the final word on overlaps; the checks
here give the member a precise message first.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, true
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from fleet.booking.availability import (
    holding_overlap, maintenance_overlap, overlapping_maintenance,
)
from fleet.booking.charges import quote_booking
from fleet.booking.owned_items import is_available, needs_owner_approval, owned_item_for
from fleet.booking.eligibility import check_may_hold, needs_lender_approval
from fleet.core import signals
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.models import (
    HOLDING_STATUSES, Asset, AssetStatus, Booking, BookingStatus, Category, MaintenanceWindow, Member, OwnedItem,
)
from fleet.core.messages import Term, When, msg
from fleet.core.text import multi_line, single_line
from fleet.members.notifications import notify
from fleet.members.pools import coordinated_pool_ids, coordinates
from fleet.core.opening_hours import parse_opening_hours

EXCLUSION_VIOLATION = "23P01"
# Two transactions inserting overlapping bookings each add their index entry, then each waits for the other's
# transaction while checking the exclusion constraint; PostgreSQL breaks the cycle by aborting one of them.
DEADLOCK_DETECTED = "40P01"
CANCELLABLE = (BookingStatus.pending, BookingStatus.confirmed)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


# The units of a duration in a message ("at least 2 hours"): terms, translated like the templates.
DURATION_UNITS = {"day": msg("day"), "days": msg("days"), "hour": msg("hour"), "hours": msg("hours"),
                  "minutes": msg("minutes")}


def duration_values(minutes: int) -> dict:
    """A duration as the values of `%(count)s %(unit)s`: whole days or hours where it is one, else minutes."""
    if minutes % 1440 == 0 and minutes >= 1440:
        count, unit = minutes // 1440, "day"
    elif minutes % 60 == 0:
        count, unit = minutes // 60, "hour"
    else:
        return {"count": minutes, "unit": Term(DURATION_UNITS["minutes"])}
    return {"count": count, "unit": Term(DURATION_UNITS[unit if count == 1 else unit + "s"])}


def check_booking_rules(asset: Asset, start: datetime, end: datetime, now: datetime) -> None:
    """Everything about a requested range that does not depend on other bookings."""
    if end <= start:
        raise ValidationFailed("The end must be after the start.", field="end")
    if start < now:
        raise ValidationFailed("The start is in the past.", field="start")
    if asset.status == AssetStatus.retired or asset.category.retired or asset.hub.retired:
        raise ValidationFailed("%(asset)s has been retired and cannot be booked.", field="asset_id",
                               asset=asset.name)
    if asset.status == AssetStatus.maintenance:
        raise ValidationFailed("%(asset)s is in maintenance and cannot be booked now.", field="asset_id",
                               asset=asset.name)
    rules = asset.category
    duration = _minutes(end - start)
    if duration < rules.min_duration_minutes:
        raise ValidationFailed("%(category)s must be booked for at least %(count)s %(unit)s.", field="end",
                               category=rules.name, **duration_values(rules.min_duration_minutes))
    if duration > rules.max_duration_minutes:
        raise ValidationFailed("%(category)s can be booked for at most %(count)s %(unit)s.", field="end",
                               category=rules.name, **duration_values(rules.max_duration_minutes))
    if _minutes(start - now) < rules.min_notice_minutes:
        raise ValidationFailed("%(category)s needs %(count)s %(unit)s notice before the start.", field="start",
                               category=rules.name, **duration_values(rules.min_notice_minutes))
    if start > now + timedelta(days=rules.max_advance_days):
        raise ValidationFailed("%(category)s can be booked at most %(days)s days ahead.", field="start",
                               category=rules.name, days=rules.max_advance_days)
    hours = parse_opening_hours(asset.hub.opening_hours)
    if not hours.is_open_at(start, asset.hub.timezone):
        raise ValidationFailed("%(hub)s is closed at the pick-up time.", field="start", hub=asset.hub.name)
    if not hours.is_open_at(end, asset.hub.timezone):
        raise ValidationFailed("%(hub)s is closed at the return time.", field="end", hub=asset.hub.name)


def load_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id, options=[joinedload(Asset.category), joinedload(Asset.hub)])
    if asset is None:
        raise NotFound("No such asset.", field="asset_id")
    return asset


def book_asset(session: Session, member: Member, asset_id: int, start: datetime, end: datetime,
               now: datetime, note: str = "", *, series_id: int | None = None, isolated: bool = True) -> Booking:
    """Book an asset for [start, end). Pending when the category needs approval, else confirmed. An
    occurrence of a series (`series_id`) is not announced on its own: the series sends one summary.
    `isolated=False` (a request that books one thing and rolls back whole on a refusal) skips the savepoint."""
    if not member.active:
        raise Forbidden("Your account is deactivated.")
    note = multi_line(note, "note")
    asset = load_asset(session, asset_id)
    check_booking_rules(asset, start, end, now)
    check_may_hold(session, member.id, asset, start, end, lock=True)  # before the slot: who may book comes first
    # Both checks in one statement: they give the member the reason; the database has the last word. It also
    # asks whether a member owns the asset, so that the pool's own assets skip the owner's windows' statement.
    in_maintenance, booked, owned = session.execute(select(
        maintenance_overlap(asset.id, start, end), holding_overlap(asset.id, start, end),
        exists().where(OwnedItem.asset_id == asset.id))).one()
    if in_maintenance:
        raise Conflict("%(asset)s is in maintenance during that time.", field="start", asset=asset.name)
    if booked:
        raise Conflict("%(asset)s is already booked during that time.", field="start", asset=asset.name)
    booking = insert_holding_booking(session, asset, member.id, start, end, now, note, series_id=series_id,
                                     isolated=isolated, may_hold_checked=True, owned=owned)
    if series_id is None:
        notify_booked(session, booking, asset, now)
    return booking


def booking_values(booking: Booking, asset: Asset) -> dict:
    """The values of a booking in a message, written `%(asset)s at %(hub)s, %(start)s to %(end)s` (times in
    the hub's zone)."""
    zone = asset.hub.timezone
    return {"asset": asset.name, "hub": asset.hub.name, "start": When(booking.start_at, zone),
            "end": When(booking.end_at, zone)}


def notify_booked(session: Session, booking: Booking, asset: Asset, now: datetime) -> None:
    if booking.status == BookingStatus.pending and waits_for_owner(session, booking):
        notify(session, booking.member_id, "booking_confirmed",
               "Booking requested, waiting for the owner's approval (the slot is held): "
               "%(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id, **booking_values(booking, asset))
    elif booking.status == BookingStatus.pending:
        notify(session, booking.member_id, "booking_confirmed",
               "Booking requested, waiting for a coordinator's approval (the slot is held): "
               "%(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id, **booking_values(booking, asset))
    else:
        notify(session, booking.member_id, "booking_confirmed",
               "Booking confirmed: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **booking_values(booking, asset))


def insert_holding_booking(session: Session, asset: Asset, member_id: int, start: datetime, end: datetime,
                           now: datetime, note: str = "", *, series_id: int | None = None,
                           isolated: bool = True, may_hold_checked: bool = False,
                           owned: bool | None = None) -> Booking:
    """The one place a holding booking is created (direct bookings, series, flexible requests, making room):
    pending when the category needs approval, a member-owned item's owner does or the lending agreement the member
    books through does (the lender's coordinators decide), else confirmed. Callers
    check the booking rules; who may hold it (approval, qualifications, fair-use limits) is checked here, for
    every path; the database has the last word on overlaps (the exclusion constraint on PostgreSQL, BEGIN
    IMMEDIATE on SQLite); a member-owned item is never booked outside its owner's windows.
    `may_hold_checked`: the caller ran `check_may_hold` for this member, asset and time in this transaction
    (a direct booking does, to give that reason before "already booked"), so it is not asked twice. `owned`: whether
    a member owns the asset, read in this transaction by the caller (None: look)."""
    item = None if owned is False else refuse_outside_owner_windows(session, asset, start, end)
    if not may_hold_checked:
        check_may_hold(session, member_id, asset, start, end)
    owner_decides = item is not None and needs_owner_approval(session, item, member_id)
    approval = asset.category.approval_required or owner_decides \
        or needs_lender_approval(session, member_id, asset.category)
    status = BookingStatus.pending if approval else BookingStatus.confirmed
    booking = Booking(asset_id=asset.id, member_id=member_id, start_at=start, end_at=end, status=status,
                      note=multi_line(note, "note")[:2000], created_at=now, series_id=series_id)
    with overlap_refused(session, isolated=isolated):
        session.add(booking)
        session.flush()
    quote_booking(session, booking, now)
    if owner_decides:
        notify(session, item.owner_id, "owner_approval",
               "A booking of your %(asset)s waits for your approval: %(start)s to %(end)s.", now, booking.id,
               **booking_values(booking, asset))
    return booking


def waits_for_owner(session: Session, booking: Booking) -> bool:
    """Whether a pending booking waits for the owner of a member's own item (rather than a coordinator)."""
    item = owned_item_for(session, booking.asset_id)
    return item is not None and needs_owner_approval(session, item, booking.member_id)


def refuse_outside_owner_windows(session: Session, asset: Asset, start: datetime, end: datetime):
    """The owned item behind the asset (None for the pool's own assets); a Conflict when [start, end) is not
    wholly inside the time its owner offers it."""
    item = owned_item_for(session, asset.id)
    if item is not None and not is_available(item, start, end):
        raise Conflict("%(asset)s is not offered by its owner at that time.", field="start", asset=asset.name)
    return item


def move_holding_booking(session: Session, booking: Booking, asset: Asset, start: datetime, end: datetime) -> None:
    """Move a holding booking to another asset or time; any attention flag on it is resolved by the move. The
    member must still be allowed to hold it there and then (qualifications, fair-use limits)."""
    # The checks read without flushing: a caller may have changed the booking (making room resumes a parked
    # booking just before moving it), and flushing that before its new place is set would clash with itself.
    with session.no_autoflush:
        item = refuse_outside_owner_windows(session, asset, start, end)
        if item is not None and asset.id != booking.asset_id and needs_owner_approval(session, item, booking.member_id):
            # re-planning never hands someone's own thing to a borrower its owner has not accepted
            raise Conflict("%(asset)s is a member's own item: its owner approves who borrows it.", field="asset_id",
                           asset=asset.name)
        check_may_hold(session, booking.member_id, asset, start, end, exclude_booking_id=booking.id)
    with overlap_refused(session):
        booking.asset_id, booking.asset, booking.start_at, booking.end_at = asset.id, asset, start, end
        booking.clear_attention()
        session.flush()


@contextmanager
def overlap_refused(session: Session, isolated: bool = True) -> Iterator[None]:
    """Run a write in a savepoint and turn the exclusion constraint's error into a Conflict; the savepoint
    keeps the session usable after it. Without `isolated` there is no savepoint: the caller rolls back whole."""
    try:
        if not isolated:
            yield
            return
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
            # Never echo the database message: it names the other booking.
            raise Conflict("That time was just booked by someone else.", field="start") from None
        raise
    except OperationalError as exc:
        # The aborted one lost a race for the same time: a refusal like the one above, not an outage
        if getattr(exc.orig, "sqlstate", None) == DEADLOCK_DETECTED:
            raise Conflict("That time was just booked by someone else.", field="start") from None
        raise



def in_pools(pool_ids: set[int]):
    """The SQL condition: the booking's asset is in one of these pools."""
    return Booking.asset_id.in_(select(Asset.id).join(Asset.category).where(Category.pool_id.in_(pool_ids)))


def get_booking(session: Session, actor: Member, booking_id: int) -> Booking:
    """A booking the actor may see: their own, or any of their pools' for a coordinator. Others' give 404, not
    403."""
    booking = session.get(Booking, booking_id, options=[joinedload(Booking.asset).joinedload(Asset.hub)])
    if booking is None or (booking.member_id != actor.id and not coordinates(session, actor, pool_of(booking))):
        raise NotFound("No such booking.")
    return booking


def coordinated_booking(session: Session, actor: Member, booking_id: int) -> Booking:
    """A booking of a pool `actor` coordinates; any other is answered as a missing one."""
    booking = get_booking(session, actor, booking_id)
    if not coordinates(session, actor, pool_of(booking)):
        raise NotFound("No such booking.")
    return booking


def pool_of(booking: Booking) -> int:
    """A booking's pool: its asset's category's."""
    return booking.asset.category.pool_id


def cancel_booking(session: Session, actor: Member, booking_id: int, now: datetime) -> Booking:
    booking = get_booking(session, actor, booking_id)
    if booking.status in CANCELLABLE and booking.start_at <= now \
            and not coordinates(session, actor, pool_of(booking)):
        raise Conflict("This booking has already started; return the asset instead of cancelling.")
    booking.cancel(now)  # refuses any booking that is no longer pending or confirmed
    if actor.id == booking.member_id:
        notify(session, booking.member_id, "booking_cancelled",
               "Booking cancelled: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **booking_values(booking, booking.asset))
    else:
        notify(session, booking.member_id, "booking_cancelled",
               "Booking cancelled by a coordinator: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **booking_values(booking, booking.asset))
    session.flush()
    signals.booking_freed.send(session, booking=booking, now=now)
    return booking


def _decide(session: Session, actor: Member, booking_id: int, now: datetime, approve: bool, reason: str) -> Booking:
    if not actor.is_coordinator:
        raise NotFound("No such booking.")
    reason = single_line(reason, "reason")
    booking = get_booking(session, actor, booking_id)
    if not coordinates(session, actor, pool_of(booking)):  # their own booking in a pool they do not coordinate
        raise Forbidden("Only the pool's coordinators can decide on this booking.")
    if approve:
        booking.approve(actor.id, now, reason)
    else:
        booking.reject(actor.id, now, reason)
    values = booking_values(booking, booking.asset)
    if approve and booking.decision_reason:
        notify(session, booking.member_id, "booking_confirmed",
               "Booking approved and confirmed (%(reason)s): %(asset)s at %(hub)s, %(start)s to %(end)s.", now,
               booking.id, reason=booking.decision_reason, **values)
    elif approve:
        notify(session, booking.member_id, "booking_confirmed",
               "Booking approved and confirmed: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **values)
    elif booking.decision_reason:
        notify(session, booking.member_id, "booking_cancelled",
               "Booking request rejected (%(reason)s): %(asset)s at %(hub)s, %(start)s to %(end)s.", now,
               booking.id, reason=booking.decision_reason, **values)
    else:
        notify(session, booking.member_id, "booking_cancelled",
               "Booking request rejected: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id, **values)
    session.flush()
    if not approve:
        signals.booking_freed.send(session, booking=booking, now=now)
    return booking


def approve_booking(session: Session, actor: Member, booking_id: int, now: datetime, reason: str = "") -> Booking:
    return _decide(session, actor, booking_id, now, True, reason)


def reject_booking(session: Session, actor: Member, booking_id: int, now: datetime, reason: str = "") -> Booking:
    return _decide(session, actor, booking_id, now, False, reason)


@dataclass
class MemberBookings:
    upcoming: list[Booking]
    past: list[Booking]


def member_bookings(session: Session, member: Member, now: datetime) -> MemberBookings:
    """The member's bookings: upcoming (not yet ended, soonest first) and past (latest first)."""
    rows = list(session.scalars(
        select(Booking).where(Booking.member_id == member.id)
        .options(joinedload(Booking.asset).joinedload(Asset.hub)).order_by(Booking.start_at)
    ))
    upcoming = [b for b in rows if b.end_at > now]
    past = [b for b in reversed(rows) if b.end_at <= now]
    return MemberBookings(upcoming, past)


def pending_bookings(session: Session, pool_ids: set[int] | None = None) -> list[Booking]:
    """Bookings waiting for a decision, soonest first; only those of `pool_ids` when given."""
    return list(session.scalars(
        select(Booking).where(Booking.status == BookingStatus.pending,
                              in_pools(pool_ids) if pool_ids is not None else true())
        .options(joinedload(Booking.asset), joinedload(Booking.member)).order_by(Booking.start_at)
    ))


def bookings_hit_by_maintenance(session: Session, now: datetime,
                                pool_ids: set[int] | None = None) -> list[tuple[Booking, MaintenanceWindow]]:
    """Future holding bookings that overlap a maintenance window: they need a coordinator's attention; only those
    of `pool_ids` when given."""
    rows = session.execute(
        select(Booking, MaintenanceWindow)
        .join(MaintenanceWindow, MaintenanceWindow.asset_id == Booking.asset_id)
        .where(Booking.status.in_(HOLDING_STATUSES), Booking.end_at > now,
               in_pools(pool_ids) if pool_ids is not None else true(),
               MaintenanceWindow.start_at < Booking.end_at, MaintenanceWindow.end_at > Booking.start_at)
        .order_by(Booking.start_at)
    ).all()
    return [(b, m) for b, m in rows]


def bookings_needing_attention(session: Session, now: datetime,
                               pool_ids: set[int] | None = None) -> list[Booking]:
    """Future holding bookings that re-planning could not move (their `attention` says why), soonest first; only
    those of `pool_ids` when given."""
    stmt = select(Booking)
    if pool_ids is not None:
        stmt = stmt.where(in_pools(pool_ids))
    return list(session.scalars(
        stmt.where(Booking.status.in_(HOLDING_STATUSES), Booking.end_at > now, Booking.attention != "")
        .options(joinedload(Booking.asset).joinedload(Asset.hub), joinedload(Booking.member))
        .order_by(Booking.start_at, Booking.id)))


def resolve_attention(session: Session, actor: Member, booking_id: int, resolution: str, now: datetime) -> Booking:
    """A coordinator has dealt with a flagged booking (called the member, arranged something else)."""
    if not actor.is_coordinator:
        raise NotFound("No such booking.")
    booking = get_booking(session, actor, booking_id)
    if not coordinates(session, actor, pool_of(booking)):
        raise Forbidden("Only the pool's coordinators can decide on this booking.")
    if not booking.attention:
        raise Conflict("This booking is not flagged.")
    resolution = single_line(resolution, "resolution")
    booking.clear_attention()
    if resolution:
        notify(session, booking.member_id, "booking_resolved", "About your booking of %(asset)s: %(resolution)s",
               now, booking.id, asset=booking.asset.name, resolution=resolution[:300])
    session.flush()
    return booking


def maintenance_hitting(session: Session, booking: Booking) -> list[MaintenanceWindow]:
    """Maintenance windows overlapping a holding booking: the member must see that the asset may not be there."""
    if not booking.is_holding:
        return []
    return overlapping_maintenance(session, booking.asset_id, booking.start_at, booking.end_at)


def list_bookings(session: Session, actor: Member, *, asset_id: int | None = None, member_id: int | None = None,
                  start: datetime | None = None, end: datetime | None = None, page: int = 1,
                  per_page: int = 20) -> tuple[list[Booking], int]:
    """A page of bookings, soonest first, and the total. Members see only their own; coordinators may filter
    by any member. `start`/`end` keep the bookings that overlap [start, end)."""
    if member_id is not None and member_id != actor.id and not actor.is_coordinator:
        raise Forbidden("You can list only your own bookings.")
    if not actor.is_coordinator:
        member_id = actor.id
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("'until' must be after 'from'.", field="until")
    stmt = select(Booking)
    if actor.is_coordinator and not actor.is_admin:  # their own, and their pools'
        stmt = stmt.where((Booking.member_id == actor.id) | in_pools(coordinated_pool_ids(session, actor)))
    if member_id is not None:
        stmt = stmt.where(Booking.member_id == member_id)
    if asset_id is not None:
        stmt = stmt.where(Booking.asset_id == asset_id)
    if start is not None:
        stmt = stmt.where(Booking.end_at > start)
    if end is not None:
        stmt = stmt.where(Booking.start_at < end)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Booking.start_at, Booking.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total
