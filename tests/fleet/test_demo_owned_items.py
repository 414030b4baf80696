"""The demo's members' own items: about ten, lent inside their owners' windows, with past and coming loans, and
the demo member among the owners so that the first `make run` shows them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from fleet.booking.owned_items import is_available
from fleet.demo import load_demo
from fleet.models import Booking, BookingStatus, Member, OwnedItem, metadata
from fleet.reporting.costs import cost_summary
from fleet.reporting.utilisation import Period

NOW = datetime(2026, 3, 20, 10, 17, 45, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    session = Session(engine)
    load_demo(session, NOW)
    session.commit()
    yield session
    session.close()


def test_about_ten_items_lent_inside_their_windows(demo):
    items = demo.scalars(select(OwnedItem)).all()
    assert 8 <= len(items) <= 12
    names = " ".join(i.asset.name.lower() for i in items)
    assert "cargo bike" in names and "drill" in names and "trailer" in names and "zoe" in names
    assert any(i.at_owner_place for i in items) and any(not i.at_owner_place for i in items)
    owner_emails = {i.owner.email for i in items}
    assert "member@demo.commonpool.org" in owner_emails
    for item in items:
        loans = demo.scalars(select(Booking).where(Booking.asset_id == item.asset_id)).all()
        assert any(b.status == BookingStatus.completed for b in loans), item.asset.name
        assert any(b.status == BookingStatus.confirmed and b.start_at > NOW for b in loans), item.asset.name
        for b in loans:
            assert is_available(item, b.start_at, b.end_at), (item.asset.name, b.start_at)
            assert b.member_id != item.owner_id


def test_owners_were_reimbursed_for_the_returned_loans(demo):
    summary = cost_summary(demo, Period(NOW - timedelta(days=365), NOW))
    assert summary.reimbursed_to_owners.amounts.get("EUR", 0) > 0
    assert "reimbursed_to_owners" in summary.as_dict()["pool"]


def test_the_pool_does_not_depreciate_what_members_own(demo):
    summary = cost_summary(demo, Period(NOW - timedelta(days=365), NOW))
    owned_value = sum(i.asset.purchase_cost_minor for i in demo.scalars(select(OwnedItem)))
    total_depreciation = sum(c.depreciation.amounts.get("EUR", 0) for c in summary.categories)
    assert owned_value > 0 and total_depreciation > 0
    demo_member = demo.scalar(select(Member).where(Member.email == "member@demo.commonpool.org"))
    assert demo.scalar(select(OwnedItem).where(OwnedItem.owner_id == demo_member.id)).asset.name.startswith("Lotte")
