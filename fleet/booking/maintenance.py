"""Maintenance windows. Adding one never deletes a booking: the bookings it hits are listed first; once it is
added, re-planning moves them to an equivalent asset where it can and flags the rest for the member and the
coordinators."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fleet.booking.availability import overlapping_bookings
from fleet.core import signals
from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.messages import Term, msg
from fleet.core.text import single_line
from fleet.models import Booking, MaintenanceWindow, Member
from fleet.members.permissions import require_coordinator
from fleet.catalogue.assets import get_coordinated_asset


def _check(start: datetime, end: datetime, reason: str) -> str:
    if end <= start:
        raise ValidationFailed("The end must be after the start.", field="end")
    return single_line(reason, "reason")[:300]


def bookings_hit(session: Session, asset_id: int, start: datetime, end: datetime) -> list[Booking]:
    """Holding bookings that a window over [start, end) would hit."""
    return overlapping_bookings(session, asset_id, start, end)


def preview_maintenance_window(session: Session, actor: Member, asset_id: int, start: datetime, end: datetime,
                               reason: str = "") -> list[Booking]:
    """The holding bookings a new window would hit, after the same checks as adding it; writes nothing."""
    asset = get_coordinated_asset(session, actor, asset_id)
    _check(start, end, reason)
    return bookings_hit(session, asset.id, start, end)


def add_maintenance_window(session: Session, actor: Member, asset_id: int, start: datetime, end: datetime,
                           reason: str, now: datetime) -> tuple[MaintenanceWindow, list[Booking]]:
    asset = get_coordinated_asset(session, actor, asset_id)
    reason = _check(start, end, reason)
    window = MaintenanceWindow(asset_id=asset.id, start_at=start, end_at=end, reason=reason,
                               created_by_id=actor.id, created_at=now)
    session.add(window)
    session.flush()
    hit = bookings_hit(session, asset.id, start, end)
    if hit:
        signals.asset_unavailable.send(session, asset_id=asset.id, start=start, end=end, now=now,
                                       reason=reason or Term(msg("maintenance")))
    return window, hit


def delete_maintenance_window(session: Session, actor: Member, window_id: int, asset_id: int | None = None) -> None:
    """Remove a window; with `asset_id`, only when the window belongs to that asset."""
    require_coordinator(actor)
    window = session.get(MaintenanceWindow, window_id)
    if window is None or (asset_id is not None and window.asset_id != asset_id) \
            or not actor.coordinates_pool(window.asset.category.pool_id):
        raise NotFound("No such maintenance window.")
    session.delete(window)
    session.flush()
