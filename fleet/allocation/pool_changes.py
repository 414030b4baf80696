"""What allocation does when the pool changes under its bookings (receivers of fleet.core.signals).

A freed slot (a cancellation, a rejection, an early return) promotes waitlisted requests that now fit. An
asset that becomes unavailable (maintenance window, breakdown, retirement) has its future bookings moved to
an equivalent asset inside their window; what cannot be moved is flagged for the member and the
coordinators, never dropped.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.allocation import scheduling_adapter as adapter
from fleet.core import signals
from fleet.core.capabilities import capability_matches, type_matches
from fleet.allocation.flexible_requests import INSTANT_TIME_LIMIT, assign_waitlisted
from fleet.core.geo import distance_km
from fleet.core.messages import Term, When, msg
from fleet.models import Asset, Booking, BookingStatus, FlexibleRequest, RequestStatus
from fleet.members.notifications import notify

MOVABLE = (BookingStatus.pending, BookingStatus.confirmed)
# Why an asset is unavailable, when the pool says it rather than a coordinator's own words: translated terms.
UNAVAILABLE_TERMS = (msg("retired"), msg("in maintenance"), msg("maintenance"))


def after_booking_freed(session: Session, booking: Booking, now: datetime) -> list[FlexibleRequest]:
    """The booking no longer holds its slot: close its request, then promote the waitlist."""
    for request in session.scalars(select(FlexibleRequest).where(FlexibleRequest.booking_id == booking.id,
                                                                 FlexibleRequest.status == RequestStatus.assigned)):
        request.cancel(now)
    if booking.end_at <= now:
        return []
    asset = session.get(Asset, booking.asset_id)
    return assign_waitlisted(session, asset.category_id, max(booking.start_at, now), booking.end_at, now,
                             INSTANT_TIME_LIMIT)


def equivalent(original: Asset, candidate: Asset) -> bool:
    """Same category, the same type and at least what the original offers (numbers at least, yes stays yes,
    text equal)."""
    return (candidate.id != original.id and candidate.category_id == original.category_id and
            type_matches([original.asset_type] if original.asset_type else [], candidate.asset_type) and
            all(capability_matches((candidate.capabilities or {}).get(k), v)
                for k, v in (original.capabilities or {}).items()))


def replan_asset(session: Session, asset_id: int, start: datetime, end: datetime, now: datetime,
                 reason: str) -> tuple[list[Booking], list[Booking]]:
    """Move the not-yet-started holding bookings of an asset in [start, end) elsewhere. `reason` says why the
    asset is unavailable: a coordinator's words, or a Term. Returns (moved, flagged)."""
    original = session.get(Asset, asset_id)
    if not isinstance(reason, Term) and reason in UNAVAILABLE_TERMS:
        reason = Term(reason)
    hit = list(session.scalars(select(Booking).where(
        Booking.asset_id == asset_id, Booking.status.in_(MOVABLE), Booking.start_at < end, Booking.end_at > start,
        Booking.start_at > now).order_by(Booking.start_at)))
    moved, flagged = [], []
    for booking in hit:
        request = session.scalar(select(FlexibleRequest).where(FlexibleRequest.booking_id == booking.id))
        target = _move_request_booking(session, request, booking, now) if request is not None else \
            _move_to_sibling(session, original, booking, now)
        if target is not None:
            moved.append(booking)
            zone = target.hub.timezone
            notify(session, booking.member_id, "booking_moved",
                   "%(original)s is unavailable (%(reason)s); your booking moved to %(asset)s at %(hub)s, "
                   "%(start)s to %(end)s.", now, booking.id, request_id=request.id if request else None,
                   original=original.name, reason=reason, asset=target.name, hub=target.hub.name,
                   start=When(booking.start_at, zone), end=When(booking.end_at, zone))
        else:
            booking.flag("%(asset)s is unavailable (%(reason)s) and no equivalent asset is free.",
                         asset=original.name, reason=reason)
            flagged.append(booking)
            notify(session, booking.member_id, "booking_at_risk", booking.attention, now, booking.id,
                   **booking.attention_values)
    session.flush()
    return moved, flagged


def _move_request_booking(session: Session, request: FlexibleRequest, booking: Booking, now: datetime) -> Asset | None:
    """Solve the request alone without its current asset; the booking's own slot is ignored."""
    snapshot = adapter.snapshot_problem(session, [request], now, exclude_assets={booking.asset_id},
                                        ignore_bookings={booking.id})
    if not snapshot.problem.requests or not snapshot.problem.assets:
        return None
    solution = adapter.solve(snapshot, INSTANT_TIME_LIMIT)
    for assignment in solution.assignments:
        asset = snapshot.assets[assignment.asset]
        if adapter.book_for_request(session, request, asset, assignment.start, now, booking=booking) is not None:
            return asset
    return None


def _move_to_sibling(session: Session, original: Asset, booking: Booking, now: datetime) -> Asset | None:
    """A direct booking keeps its times; it moves to the nearest equivalent asset free for them."""
    siblings = [a for a in adapter.bookable_assets(session, {original.category_id}) if equivalent(original, a)]
    siblings.sort(key=lambda a: (distance_km((original.hub.lat, original.hub.lon), (a.hub.lat, a.hub.lon)), a.id))
    for sibling in siblings:
        try:
            adapter.check_booking_rules(sibling, booking.start_at, booking.end_at, min(now, booking.start_at))
        except Exception:  # noqa: BLE001 - a rule that does not hold for this sibling: try the next one
            continue
        if adapter.overlapping_maintenance(session, sibling.id, booking.start_at, booking.end_at):
            continue
        if adapter.overlapping_bookings(session, sibling.id, booking.start_at, booking.end_at):
            continue
        if adapter.place(session, None, sibling, booking.start_at, booking.end_at, now, booking) is not None:
            return sibling
    return None


def _on_booking_freed(session: Session, *, booking: Booking, now: datetime) -> None:
    after_booking_freed(session, booking, now)


def _on_slot_freed(session: Session, *, asset: Asset, start: datetime, end: datetime, now: datetime) -> None:
    assign_waitlisted(session, asset.category_id, start, end, now, INSTANT_TIME_LIMIT)


def _on_asset_unavailable(session: Session, *, asset_id: int, start: datetime, end: datetime, now: datetime,
                          reason: str) -> None:
    replan_asset(session, asset_id, start, end, now, reason)


RECEIVERS = {
    signals.booking_freed: _on_booking_freed,
    signals.slot_freed: _on_slot_freed,
    signals.asset_unavailable: _on_asset_unavailable,
}
for _signal, _receiver in RECEIVERS.items():
    _signal.connect(_receiver, weak=False)
