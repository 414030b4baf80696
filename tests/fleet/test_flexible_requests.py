"""Flexible requests, the waitlist, batch runs against first-come-first-served, re-planning, fair share."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fleet.booking.bookings import book_asset, cancel_booking
from fleet.core.errors import ValidationFailed
from fleet.allocation.flexible_requests import (
    REASON_ALL_BUSY, REASON_NOTHING_ELIGIBLE, RequestInput, queue_position, submit_request,
)
from fleet.booking.maintenance import add_maintenance_window
from fleet.models import (
    HOLDING_STATUSES, AssetStatus, Booking, BookingStatus, FlexibleRequest, Notification, RequestStatus, Role,
)
from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run
from fleet.catalogue.assets import set_asset_status
from tests.helpers import at

NOW = at(0, 6)


def ask(category, start, end, minutes, **kw) -> RequestInput:
    return RequestInput(category_id=category.id, earliest_start=start, latest_end=end, duration_minutes=minutes,
                        requires=kw.pop("requires", {}), **kw)


def no_overlaps(session) -> bool:
    a, b = aliased(Booking), aliased(Booking)
    return session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.asset_id == b.asset_id, a.id < b.id, a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
        a.start_at < b.end_at, b.start_at < a.end_at))) == 0


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", lat=52.09, lon=5.12, opening_hours="24/7")
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool"},
                         min_duration_minutes=60, max_duration_minutes=1440)
    van = make.asset(cars, hub, name="Seven seater", capabilities={"seats": 7, "towbar": True})
    small = make.asset(cars, hub, name="Small car", capabilities={"seats": 4, "towbar": False})
    coordinator = make.member(Role.coordinator)
    return dict(hub=hub, cars=cars, van=van, small=small, coordinator=coordinator)


def test_instant_assignment(session, make, pool):
    member = make.member(home_lat=52.1, home_lon=5.1)
    r = submit_request(session, member, ask(pool["cars"], at(2, 8), at(2, 18), 180, requires={"seats": 5}), NOW)
    assert r.status == RequestStatus.assigned
    assert r.booking.asset_id == pool["van"].id
    assert at(2, 8) <= r.booking.start_at and r.booking.end_at <= at(2, 18)
    assert r.booking.end_at - r.booking.start_at == timedelta(hours=3)
    assert (r.lat, r.lon) == (52.1, 5.1)  # home is the default location


def test_nothing_eligible_and_all_busy_are_told_apart(session, make, pool):
    member = make.member()
    r = submit_request(session, member, ask(pool["cars"], at(2, 8), at(2, 18), 120, requires={"seats": 9}), NOW)
    assert r.status == RequestStatus.waitlisted and r.waitlist_reason == REASON_NOTHING_ELIGIBLE
    make.booking(pool["van"], make.member(), at(2, 0), at(3, 0))
    r2 = submit_request(session, member, ask(pool["cars"], at(2, 8), at(2, 18), 120, requires={"seats": 7}), NOW)
    assert r2.status == RequestStatus.waitlisted and r2.waitlist_reason == REASON_ALL_BUSY
    assert queue_position(session, r2) == 2  # the impossible request with an overlapping window is ahead


def test_out_of_range_is_nothing_eligible(session, make, pool):
    far_member = make.member(home_lat=48.85, home_lon=2.35)  # Paris
    r = submit_request(session, far_member, ask(pool["cars"], at(2, 8), at(2, 18), 120, max_distance_km=10), NOW)
    assert r.waitlist_reason == REASON_NOTHING_ELIGIBLE


@pytest.mark.parametrize("change,message", [
    (dict(latest_end=at(2, 9)), "shorter than the duration"),
    (dict(latest_end=at(2, 7)), "must end after"),
    (dict(duration_minutes=0), "positive"),
    (dict(duration_minutes=30), "at least 60"),
    (dict(category_id=999999), "No such category"),
    (dict(earliest_start=at(-3, 8), latest_end=at(-2, 8)), "in the past"),
])
def test_bad_requests_write_nothing(session, make, pool, change, message):
    data = ask(pool["cars"], at(2, 8), at(2, 18), 120)
    for k, v in change.items():
        setattr(data, k, v)
    with pytest.raises(ValidationFailed, match=message):
        submit_request(session, make.member(), data, NOW)
    assert session.scalar(select(func.count()).select_from(FlexibleRequest)) == 0


def test_impossible_capability_type_is_refused(session, make, pool):
    with pytest.raises(ValidationFailed, match="number"):
        submit_request(session, make.member(), ask(pool["cars"], at(2, 8), at(2, 18), 120,
                                                   requires={"seats": "many"}), NOW)


def test_batch_run_serves_what_first_come_first_served_cannot(session, make, pool):
    """Both cars are free only 09:00-12:00. The first request (any car, 3 h) would take the seven seater
    under first come, first served, leaving the second (needs 7 seats) unserved. The optimiser serves both."""
    blocker = make.member()
    for car in (pool["van"], pool["small"]):
        make.booking(car, blocker, at(3, 0), at(3, 9))
        make.booking(car, blocker, at(3, 12), at(4, 0))
    first, second = make.member(), make.member()
    flexible = submit_request(session, first, ask(pool["cars"], at(3, 9), at(3, 12), 180), NOW)
    # Submitted while the fleet was blocked by maintenance, so both wait (the instant path would be FCFS too)
    cancel_flexible_booking(session, flexible)
    needs_seven = waitlisted(session, second, pool["cars"], at(3, 9), at(3, 12), 180, requires={"seats": 7},
                             created_at=NOW + timedelta(minutes=1))
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=5)
    execute_run(session, run.id, NOW)
    assert (run.fcfs_served, run.served) == (1, 2)
    assert run.served_hours == 6.0 and run.fcfs_served_hours == 3.0
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert flexible.status == needs_seven.status == RequestStatus.assigned
    assert needs_seven.booking.asset_id == pool["van"].id and flexible.booking.asset_id == pool["small"].id
    assert no_overlaps(session)


def waitlisted(session, member, category, start, end, minutes, requires=None, created_at=NOW):
    """A request already on the waitlist (it arrived while nothing was free)."""
    request = FlexibleRequest(member_id=member.id, category_id=category.id, requires=requires or {},
                              earliest_start=start, latest_end=end, duration_minutes=minutes,
                              status=RequestStatus.waitlisted, created_at=created_at, updated_at=created_at)
    session.add(request)
    session.flush()
    return request


def cancel_flexible_booking(session, request):
    """Put an assigned request back on the waitlist (as if it had arrived while nothing was free)."""
    booking = request.booking
    booking.status = BookingStatus.cancelled
    request.status, request.booking_id, request.booking = RequestStatus.waitlisted, None, None
    session.flush()


def test_apply_skips_a_slot_taken_meanwhile_and_solves_again(session, make, pool):
    member = make.member()
    make.booking(pool["van"], make.member(), at(2, 0), at(3, 0))
    make.booking(pool["small"], make.member(), at(2, 0), at(3, 0))
    waiting = waitlisted(session, member, pool["cars"], at(2, 8), at(3, 18), 180)
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    assert run.served == 1
    chosen = int(__import__("json").loads(run.solution_json)["assignments"][0]["asset"])
    chosen_asset = pool["van"] if chosen == pool["van"].id else pool["small"]
    # a direct booking lands on the chosen asset while the coordinator looks at the preview
    book_asset(session, make.member(), chosen_asset.id, at(3, 0), at(4, 0), NOW)
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert waiting.status == RequestStatus.assigned
    assert waiting.booking.asset_id != chosen
    assert no_overlaps(session)


def test_waitlist_promotion_on_cancellation(session, make, pool):
    pool["small"].status = AssetStatus.retired
    first, second = make.member(), make.member()
    r1 = submit_request(session, first, ask(pool["cars"], at(2, 9), at(2, 12), 180), NOW)
    r2 = submit_request(session, second, ask(pool["cars"], at(2, 9), at(2, 12), 180), NOW)
    assert (r1.status, r2.status) == (RequestStatus.assigned, RequestStatus.waitlisted)
    cancel_booking(session, first, r1.booking_id, NOW)
    assert r1.status == RequestStatus.cancelled
    assert r2.status == RequestStatus.assigned and r2.booking.asset_id == pool["van"].id
    note = session.scalar(select(Notification).where(Notification.member_id == second.id))
    assert note.kind == "waitlist_promoted"


def test_breakdown_moves_a_booking_to_an_equivalent_sibling(session, make, pool):
    twin = make.asset(pool["cars"], pool["hub"], name="Other seven seater", capabilities={"seats": 7, "towbar": True})
    member = make.member()
    booking = book_asset(session, member, pool["van"].id, at(2, 9), at(2, 12), NOW)
    set_asset_status(session, pool["coordinator"], pool["van"].id, AssetStatus.maintenance, now=NOW)
    assert booking.asset_id == twin.id and booking.status == BookingStatus.confirmed
    assert (booking.start_at, booking.end_at) == (at(2, 9), at(2, 12))
    assert session.scalar(select(Notification.kind).where(Notification.member_id == member.id,
                                                          Notification.kind != "booking_confirmed")) == "booking_moved"


def test_unmovable_booking_is_flagged_not_dropped(session, make, pool):
    member = make.member()
    booking = book_asset(session, member, pool["van"].id, at(2, 9), at(2, 12), NOW)
    window, hit = add_maintenance_window(session, pool["coordinator"], pool["van"].id, at(2, 8), at(2, 14),
                                         "gearbox", NOW)
    assert hit == [booking]
    assert booking.status == BookingStatus.confirmed and booking.asset_id == pool["van"].id  # the small car has 4 seats
    assert "gearbox" in booking.attention_text
    assert session.scalar(select(Notification.kind).where(Notification.member_id == member.id,
                                                          Notification.kind != "booking_confirmed")) == "booking_at_risk"


def test_flexible_booking_moves_within_its_window(session, make, pool):
    member = make.member()
    r = submit_request(session, member, ask(pool["cars"], at(2, 8), at(2, 18), 120), NOW)
    first_asset = r.booking.asset_id
    add_maintenance_window(session, pool["coordinator"], first_asset, at(2, 0), at(3, 0), "service", NOW)
    assert r.booking.asset_id != first_asset and not r.booking.attention
    assert at(2, 8) <= r.booking.start_at and r.booking.end_at <= at(2, 18)


def test_fair_share_serves_the_member_who_used_least(session, make, pool):
    pool["cars"].weekly_quota_hours = 4
    pool["small"].status = AssetStatus.retired
    heavy, light = make.member(), make.member()
    make.booking(pool["van"], heavy, NOW - timedelta(days=2), NOW - timedelta(days=2) + timedelta(hours=6),
                 status=BookingStatus.completed)
    other = make.member()
    make.booking(pool["van"], other, at(2, 0), at(3, 0))
    make.booking(pool["van"], other, at(3, 3), at(4, 0))  # the van is free 00:00-03:00 on day 3: room for one
    r_heavy = waitlisted(session, heavy, pool["cars"], at(2, 9), at(3, 12), 180)
    r_light = waitlisted(session, light, pool["cars"], at(2, 9), at(3, 12), 180, created_at=NOW + timedelta(minutes=5))
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert r_light.status == RequestStatus.assigned
    assert r_heavy.status == RequestStatus.waitlisted


def test_waitlisted_and_expired_requests_count_as_unmet_demand(session, make, pool):
    from fleet.allocation.flexible_requests import expire_requests
    from fleet.reporting.utilisation import Period, waitlisted_requests

    member = make.member()
    waiting = waitlisted(session, member, pool["cars"], at(2, 8), at(2, 18), 180)
    gone = waitlisted(session, member, pool["cars"], at(-2, 8), at(-2, 18), 120)
    assert expire_requests(session, NOW) == 1
    assert (gone.status, waiting.status) == (RequestStatus.expired, RequestStatus.waitlisted)
    [row] = waitlisted_requests(session, Period(at(-7, 0), at(7, 0)))
    assert (row.category_id, row.requests, row.hours) == (pool["cars"].id, 2, 5.0)


def test_the_solver_is_told_each_hubs_opening_hours(session, make, pool):
    from fleet.allocation.scheduling_adapter import snapshot_problem

    library = make.hub(name="Library", opening_hours="Mon-Sun 10:00-12:00", timezone="Europe/Amsterdam")
    drills = make.category(name="Drills", capability_schema={})
    make.asset(drills, library, name="Drill")
    request = waitlisted(session, make.member(), drills, at(2, 6), at(2, 16), 60)
    snapshot = snapshot_problem(session, [request], NOW)
    [asset] = snapshot.problem.assets
    assert asset.open and all(i.end - i.start == timedelta(hours=2) for i in asset.open)
    assert pool["van"].id not in {int(a.id) for a in snapshot.problem.assets}  # other categories stay out
    r = submit_request(session, make.member(), ask(drills, at(2, 6), at(2, 16), 60), NOW)
    local = r.booking.start_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
    assert r.status == RequestStatus.assigned and 10 <= local.hour < 12 and local.hour + 1 <= 12


def test_a_preview_without_a_solution_is_refused_not_crashed(session, make, pool):
    from fleet.core.errors import Conflict
    from fleet.models import RunStatus

    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=2)
    run.status = RunStatus.preview  # e.g. a row written by hand or by an older version
    with pytest.raises(Conflict, match="no solution"):
        apply_run(session, pool["coordinator"], run.id, NOW)
