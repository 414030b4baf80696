"""Booking rules: every bad input is refused with a clear message and nothing is written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.booking.bookings import approve_booking, book_asset, cancel_booking, get_booking, reject_booking
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.models import AssetStatus, Booking, BookingStatus, MaintenanceWindow, Role
from tests.helpers import at


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Booking))


@pytest.fixture
def world(make):
    hub = make.hub(opening_hours="Mon-Sun 08:00-20:00")
    cars = make.category(name="Cars", min_duration_minutes=60, max_duration_minutes=24 * 60,
                         min_notice_minutes=60, max_advance_days=30)
    car = make.asset(cars, hub, name="Blue car")
    member = make.member()
    return dict(hub=hub, cars=cars, car=car, member=member, now=at(0, 6))


def test_a_valid_booking_is_confirmed(session, world):
    b = book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    assert b.status == BookingStatus.confirmed
    assert b.start_at.tzinfo is not None
    assert count(session) == 1


@pytest.mark.parametrize("start,end,now_shift,message", [
    (at(2, 12), at(2, 9), 0, "end must be after"),
    (at(2, 9), at(2, 9), 0, "end must be after"),
    (at(-1, 9), at(-1, 12), 0, "in the past"),
    (at(45, 9), at(45, 12), 0, "at most 30 days ahead"),
    (at(2, 9), at(2, 9, 30), 0, "at least 1 hour"),
    (at(2, 9), at(3, 10), 0, "at most 1 day"),
])
def test_rule_violations_are_refused(session, world, start, end, now_shift, message):
    with pytest.raises(ValidationFailed, match=message):
        book_asset(session, world["member"], world["car"].id, start, end, world["now"])
    assert count(session) == 0


def test_minimum_notice(session, world):
    now = at(2, 8, 30)
    with pytest.raises(ValidationFailed, match="1 hour notice"):
        book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), now)
    assert count(session) == 0


def test_opening_hours_at_pickup_and_return(session, world):
    # 08:00-20:00 in Amsterdam; 05:00 UTC is 06:00 or 07:00 local, before opening
    with pytest.raises(ValidationFailed, match="closed at the pick-up"):
        book_asset(session, world["member"], world["car"].id, at(2, 5), at(2, 10), world["now"])
    with pytest.raises(ValidationFailed, match="closed at the return"):
        book_asset(session, world["member"], world["car"].id, at(2, 10), at(2, 21), world["now"])
    assert count(session) == 0


def test_around_the_clock_hub_accepts_night_times(session, make, world):
    hub = make.hub(opening_hours="24/7")
    car = make.asset(world["cars"], hub)
    b = book_asset(session, world["member"], car.id, at(2, 1), at(2, 4), world["now"])
    assert b.id


@pytest.mark.parametrize("status,message", [(AssetStatus.retired, "retired"), (AssetStatus.maintenance, "in maintenance")])
def test_asset_not_bookable(session, world, status, message):
    world["car"].status = status
    session.flush()
    with pytest.raises(ValidationFailed, match=message):
        book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    assert count(session) == 0


def test_nonexistent_asset(session, world):
    with pytest.raises(NotFound):
        book_asset(session, world["member"], 999999, at(2, 9), at(2, 12), world["now"])


def test_overlap_is_a_conflict_and_back_to_back_is_fine(session, make, world):
    other = make.member()
    book_asset(session, other, world["car"].id, at(2, 10), at(2, 12), world["now"])
    with pytest.raises(Conflict, match="already booked"):
        book_asset(session, world["member"], world["car"].id, at(2, 11), at(2, 13), world["now"])
    # half-open intervals: ending when the other starts, or starting when it ends, does not overlap
    book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 10), world["now"])
    book_asset(session, world["member"], world["car"].id, at(2, 12), at(2, 13), world["now"])
    assert count(session) == 3


def test_maintenance_blocks_booking(session, world):
    session.add(MaintenanceWindow(asset_id=world["car"].id, start_at=at(2, 8), end_at=at(2, 11), reason="tyres"))
    session.flush()
    with pytest.raises(Conflict, match="maintenance"):
        book_asset(session, world["member"], world["car"].id, at(2, 10), at(2, 12), world["now"])
    assert count(session) == 0


def test_pending_booking_holds_its_slot_until_decided(session, make, world):
    tractors = make.category(name="Tractors", approval_required=True)
    tractor = make.asset(tractors, world["hub"])
    coordinator = make.member(Role.coordinator)
    b = book_asset(session, world["member"], tractor.id, at(3, 9), at(3, 12), world["now"])
    assert b.status == BookingStatus.pending
    with pytest.raises(Conflict):
        book_asset(session, make.member(), tractor.id, at(3, 10), at(3, 11), world["now"])
    with pytest.raises(NotFound):
        approve_booking(session, world["member"], b.id, world["now"])  # members cannot decide
    approve_booking(session, coordinator, b.id, world["now"])
    assert b.status == BookingStatus.confirmed
    with pytest.raises(Conflict, match="not pending"):
        reject_booking(session, coordinator, b.id, world["now"])


def test_rejection_frees_the_slot(session, make, world):
    tractors = make.category(name="Tractors", approval_required=True)
    tractor = make.asset(tractors, world["hub"])
    coordinator = make.member(Role.coordinator)
    b = book_asset(session, world["member"], tractor.id, at(3, 9), at(3, 12), world["now"])
    reject_booking(session, coordinator, b.id, world["now"], "tractor is promised to the farm day")
    assert b.status == BookingStatus.rejected
    assert book_asset(session, make.member(), tractor.id, at(3, 9), at(3, 12), world["now"]).id


def test_cancel_own_future_booking_frees_slot(session, make, world):
    b = book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    cancel_booking(session, world["member"], b.id, world["now"])
    assert b.status == BookingStatus.cancelled
    assert book_asset(session, make.member(), world["car"].id, at(2, 9), at(2, 12), world["now"]).id


def test_cannot_cancel_started_or_cancelled_booking(session, world):
    b = book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    with pytest.raises(Conflict, match="already started"):
        cancel_booking(session, world["member"], b.id, at(2, 10))
    cancel_booking(session, world["member"], b.id, world["now"])
    with pytest.raises(Conflict, match="cancelled"):
        cancel_booking(session, world["member"], b.id, world["now"])


def test_someone_elses_booking_is_not_found(session, make, world):
    b = book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    stranger = make.member()
    with pytest.raises(NotFound):
        get_booking(session, stranger, b.id)
    with pytest.raises(NotFound):
        cancel_booking(session, stranger, b.id, world["now"])
    assert b.status == BookingStatus.confirmed
    assert get_booking(session, make.member(Role.coordinator), b.id) is b


def test_deactivated_member_cannot_book(session, world):
    world["member"].active = False
    with pytest.raises(Exception, match="deactivated"):
        book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    assert count(session) == 0


def test_database_refuses_overlap_even_without_the_check(session, make, world):
    """The last line of defence: on PostgreSQL the exclusion constraint itself refuses an overlap."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only; SQLite relies on BEGIN IMMEDIATE")
    from fleet.booking.bookings import insert_holding_booking

    make.booking(world["car"], world["member"], at(2, 9), at(2, 12))
    with pytest.raises(Conflict, match="just booked"):
        insert_holding_booking(session, world["car"], world["member"].id, at(2, 11), at(2, 13), world["now"])
    # cancelled bookings do not hold: the same overlap is accepted in a non-holding state
    session.add(Booking(asset_id=world["car"].id, member_id=world["member"].id, start_at=at(2, 11),
                        end_at=at(2, 13), status=BookingStatus.cancelled))
    session.flush()
    assert count(session) == 2


def test_times_are_stored_and_returned_in_utc(session, world):
    b = book_asset(session, world["member"], world["car"].id, at(2, 9), at(2, 12), world["now"])
    session.expire_all()
    again = session.get(Booking, b.id)
    assert again.start_at == at(2, 9) and again.start_at.utcoffset() == timedelta(0)
