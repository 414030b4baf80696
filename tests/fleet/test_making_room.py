"""Making room for a new flexible request by moving flexible bookings that have not started yet
(fleet/allocation/making_room.py): inside their own windows, outside the freeze horizon, all or nothing, members told."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.models import BookingStatus, Notification, RequestStatus
from tests.helpers import at

pytestmark = pytest.mark.db

NOW = at(0, 6)


def ask(category, start, end, minutes) -> RequestInput:
    return RequestInput(category_id=category.id, earliest_start=start, latest_end=end, duration_minutes=minutes,
                        requires={})


@pytest.fixture
def car(make):
    hub = make.hub(name="Station", lat=52.09, lon=5.12, opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60, max_duration_minutes=1440)
    return cars, make.asset(cars, hub, name="The only car")


def first_served_then_exact(session, make, cars, day: int):
    """Member A asks for 3 hours somewhere in a long window and gets a slot; B then needs exactly that slot."""
    a = submit_request(session, make.member(), ask(cars, at(day, 8), at(day, 20), 180), NOW)
    assert a.status == RequestStatus.assigned
    slot = (a.booking.start_at, a.booking.end_at)
    b_input = ask(cars, slot[0], slot[1], 180)
    return a, slot, b_input


def moved_notes(session, member_id):
    return list(session.scalars(select(Notification).where(Notification.member_id == member_id,
                                                           Notification.kind == "booking_moved")))


def test_a_booking_moves_inside_its_window_to_make_room(session, make, car):
    cars, asset = car
    a, slot, b_input = first_served_then_exact(session, make, cars, day=3)
    booking_id = a.booking.id
    b = submit_request(session, make.member(), b_input, NOW)
    assert b.status == RequestStatus.assigned
    assert (b.booking.start_at, b.booking.end_at) == slot
    session.refresh(a.booking)
    assert a.booking.id == booking_id and a.booking.status == BookingStatus.confirmed
    assert at(3, 8) <= a.booking.start_at and a.booking.end_at <= at(3, 20)
    assert a.booking.end_at - a.booking.start_at == timedelta(hours=3)
    assert a.booking.end_at <= slot[0] or a.booking.start_at >= slot[1]  # out of B's way
    notes = moved_notes(session, a.member_id)
    assert len(notes) == 1 and "your booking moved to The only car" in notes[0].text
    assert not moved_notes(session, b.member_id)


def test_without_making_room_the_newcomer_waits(session, make, car):
    cars, _ = car
    a, slot, b_input = first_served_then_exact(session, make, cars, day=3)
    b = submit_request(session, make.member(), b_input, NOW, make_room=False)
    assert b.status == RequestStatus.waitlisted
    assert (a.booking.start_at, a.booking.end_at) == slot


def test_bookings_inside_the_freeze_horizon_never_move(session, make, car):
    cars, _ = car
    a, slot, b_input = first_served_then_exact(session, make, cars, day=0)  # today: starts within 24 hours
    b = submit_request(session, make.member(), b_input, NOW)
    assert b.status == RequestStatus.waitlisted
    session.refresh(a.booking)
    assert (a.booking.start_at, a.booking.end_at) == slot
    assert not moved_notes(session, a.member_id)


def test_direct_bookings_never_move(session, make, car):
    cars, asset = car
    direct = book_asset(session, make.member(), asset.id, at(3, 10), at(3, 13), NOW)
    b = submit_request(session, make.member(), ask(cars, at(3, 10), at(3, 13), 180), NOW)
    assert b.status == RequestStatus.waitlisted
    session.refresh(direct)
    assert (direct.start_at, direct.end_at) == (at(3, 10), at(3, 13))


def test_all_or_nothing_when_the_booking_cannot_go_elsewhere(session, make, car):
    cars, _ = car
    a = submit_request(session, make.member(), ask(cars, at(3, 10), at(3, 13), 180), NOW)  # a window with no slack
    b = submit_request(session, make.member(), ask(cars, at(3, 10), at(3, 13), 180), NOW)
    assert a.status == RequestStatus.assigned and b.status == RequestStatus.waitlisted
    session.refresh(a.booking)
    assert (a.booking.start_at, a.booking.end_at) == (at(3, 10), at(3, 13))
    assert not moved_notes(session, a.member_id)


def test_a_moved_booking_is_never_brought_inside_the_freeze_horizon(session, make, car):
    cars, _ = car
    a = submit_request(session, make.member(), ask(cars, at(1, 8), at(1, 11), 180), NOW)
    assert (a.booking.start_at, a.booking.end_at) == (at(1, 8), at(1, 11))  # 26 hours ahead: movable
    a.earliest_start = at(0, 12)  # its window also covers today, within 24 hours of NOW
    session.flush()
    b = submit_request(session, make.member(), ask(cars, at(1, 8), at(1, 11), 180), NOW)
    # The only free times left in A's window are today, inside the freeze horizon: A stays, B waits.
    assert b.status == RequestStatus.waitlisted
    session.refresh(a.booking)
    assert (a.booking.start_at, a.booking.end_at) == (at(1, 8), at(1, 11))



def test_the_time_limit_covers_the_whole_attempt_not_each_try(session, make, car, monkeypatch):
    """Single moves are tried one by one, then all together, but the member waits for one time limit in all:
    each try gets what is left of it (a fake clock: each try 'takes' 0.3 s)."""
    import fleet.allocation.making_room as making_room

    cars, _ = car
    for hour in (8, 11, 14, 17):  # four flexible bookings in the newcomer's way
        r = submit_request(session, make.member(), ask(cars, at(3, hour), at(3, hour + 3) + timedelta(hours=4), 180),
                           NOW)
        assert r.status == RequestStatus.assigned
    clock = [1000.0]
    limits = []

    def slow_failing_attempt(session, waiting, group, now, time_limit, priorities):
        limits.append(time_limit)
        clock[0] += 0.3
        return {}

    monkeypatch.setattr(making_room, "monotonic", lambda: clock[0])
    monkeypatch.setattr(making_room, "_attempt", slow_failing_attempt)
    newcomer = submit_request(session, make.member(), ask(cars, at(3, 8), at(3, 20), 180), NOW, time_limit=1.0)
    assert newcomer.status == RequestStatus.waitlisted
    # five tries were possible (four single moves, then all together); the budget allowed four
    assert limits == pytest.approx([1.0, 0.7, 0.4, 0.1])
