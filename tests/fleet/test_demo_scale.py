"""`flask demo load --scale N`: N times the demo's hubs, assets and members, bookings that never overlap."""
from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fleet.core.db import utcnow
from fleet.demo_scale import load_scaled_demo
from fleet.models import HOLDING_STATUSES, Asset, AssetStatus, Booking, Hub, Member


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_scale_two_doubles_the_town_with_bookings_that_never_overlap(session):
    result = load_scaled_demo(session, utcnow(), scale=2, history_days=10)
    session.commit()
    assert result.demo.created
    assert _count(session, Hub) == 2 * result.demo.hubs
    active = _count(session, Asset, Asset.status == AssetStatus.active)
    assert result.assets * 2 == active
    assert _count(session, Member) == 2 * result.members
    assert result.bookings > 0
    a, b = aliased(Booking), aliased(Booking)
    overlapping = session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.asset_id == b.asset_id, a.id < b.id, a.start_at < b.end_at, b.start_at < a.end_at)))
    assert overlapping == 0
    assert _count(session, Booking, Booking.status.in_(HOLDING_STATUSES)) > 0


def test_scale_one_is_the_demo(session):
    result = load_scaled_demo(session, utcnow(), scale=1)
    assert result.demo.created and result.assets == 0 and result.bookings == 0
