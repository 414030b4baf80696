"""Fair share: who goes first when demand exceeds supply.

Every flexible request starts at priority 3. In a category with a weekly quota, a member's requests fall to
priority 2 once their holding and completed bookings in that category over the last seven days reach half
the quota, and to priority 1 once they reach the quota. The optimiser maximises priority-weighted hours, so
when not everyone can be served, those who used the pool least this week are served first; when there is
room, everyone is served, quota or not. The rule is published on the "How allocation works" page.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.models import Asset, Booking, BookingStatus, FlexibleRequest

BASE_PRIORITY = 3
USED_STATUSES = (BookingStatus.pending, BookingStatus.confirmed, BookingStatus.checked_out, BookingStatus.completed)


def recent_hours(session: Session, member_id: int, category_id: int, now: datetime) -> float:
    since = now - timedelta(days=7)
    rows = session.execute(select(Booking.start_at, Booking.end_at).join(Asset, Asset.id == Booking.asset_id).where(
        Booking.member_id == member_id, Asset.category_id == category_id, Booking.status.in_(USED_STATUSES),
        Booking.end_at > since, Booking.start_at < now)).all()
    return sum((min(end, now) - max(start, since)).total_seconds() for start, end in rows) / 3600


def priority_for(session: Session, request: FlexibleRequest, now: datetime) -> int:
    quota = request.category.weekly_quota_hours
    if not quota:
        return BASE_PRIORITY
    used = recent_hours(session, request.member_id, request.category_id, now)
    if used >= quota:
        return 1
    if used >= quota / 2:
        return 2
    return BASE_PRIORITY


def priorities(session: Session, requests: list[FlexibleRequest], now: datetime) -> dict[int, int]:
    return {r.id: priority_for(session, r, now) for r in requests}
