"""Who may book what in the demo community: qualifications for cars, farm machinery and the workshop, held by
everyone who booked such things; one cargo bike and one trailer at once, which every demo booking respects."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.booking.eligibility import NotQualified, check_may_hold
from fleet.models import (
    HOLDING_STATUSES, Asset, Booking, BookingStatus, Category, CategoryLimits, Member, Qualification,
    QualificationGrant, Role,
)
from fleet.demo import load_demo
from tests.fleet.test_demo import NOW, fresh_session


@pytest.fixture(scope="module")
def demo():
    session = fresh_session()
    load_demo(session, NOW)
    session.commit()
    yield session
    session.close()


def test_every_upcoming_demo_booking_passes_the_rule(demo):
    upcoming = list(demo.scalars(select(Booking).where(Booking.status.in_(HOLDING_STATUSES), Booking.end_at > NOW)))
    assert len(upcoming) > 100
    for booking in upcoming:
        check_may_hold(demo, booking.member_id, booking.asset, booking.start_at, booking.end_at,
                       exclude_booking_id=booking.id)


def test_nobody_ever_held_two_cargo_bikes_or_trailers_at_once(demo):
    limited = {limits.category_id for limits in demo.scalars(select(CategoryLimits))}
    assert {c.name for c in demo.scalars(select(Category).where(Category.id.in_(limited)))} == {"Cargo bikes",
                                                                                                 "Trailers"}
    rows = demo.execute(select(Booking.member_id, Asset.category_id, Booking.start_at, Booking.end_at)
                        .join(Asset, Asset.id == Booking.asset_id)
                        .where(Asset.category_id.in_(limited),
                               Booking.status.not_in([BookingStatus.cancelled, BookingStatus.rejected]))
                        .order_by(Booking.member_id, Asset.category_id, Booking.start_at)).all()
    for earlier, later in zip(rows, rows[1:]):
        if earlier[:2] == later[:2]:
            assert later.start_at >= earlier.end_at, earlier


def test_a_member_without_the_induction_is_told_how_to_get_it(demo):
    inducted = set(demo.scalars(select(QualificationGrant.member_id).join(QualificationGrant.qualification)
                                .where(Qualification.name == "Workshop induction")))
    member = next(m for m in demo.scalars(select(Member).where(Member.role == Role.member).order_by(Member.id))
                  if m.id not in inducted)
    band_saw = demo.scalar(select(Asset).where(Asset.name == "Band saw"))
    start = (NOW + timedelta(days=11)).replace(hour=15, minute=0, second=0, microsecond=0)  # Tuesday 17:00 local
    with pytest.raises(NotQualified, match="Workshop induction.*Lombok workshop"):
        book_asset(demo, member, band_saw.id, start, start + timedelta(hours=2), NOW)
    demo.rollback()


def test_some_grants_expire_and_some_have_expired(demo):
    grants = list(demo.scalars(select(QualificationGrant)))
    today = NOW.date()
    assert len(grants) > 50
    assert any(g.expires_on is None for g in grants)
    assert any(g.expires_on and g.expires_on > today for g in grants)
    assert any(g.expires_on and g.expires_on < today for g in grants)
