"""Who may book what (fleet/booking/eligibility.py): qualifications with expiry, approval of new accounts and
fair-use limits per member and category, in every booking path: direct, series, flexible (instant answer and
making room) and the batch optimiser."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run
from fleet.allocation.run_preview import preview_rows
from fleet.booking.bookings import book_asset, cancel_booking
from fleet.booking.eligibility import LimitReached, NotQualified, last_local_day, member_qualifications
from fleet.booking.eligibility_rules import (
    create_qualification, grant_qualification, revoke_grant, set_category_rules,
)
from fleet.booking.recurring import create_series
from fleet.core.errors import Conflict, Forbidden, ValidationFailed
from fleet.members.account_approval import (
    accounts_waiting, approve_account, awaiting_approval, set_approval_required,
)
from fleet.members.signup import confirm_signup, request_signup
from fleet.models import HOLDING_STATUSES, Booking, FlexibleRequest, RequestStatus, Role
from tests.helpers import PASSWORD, at, make_admin

NOW = at(0, 6)


def ask(category, start, end, minutes) -> RequestInput:
    return RequestInput(category_id=category.id, earliest_start=start, latest_end=end, duration_minutes=minutes,
                        requires={})


def holding(session, member) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.member_id == member.id,
                                                      Booking.status.in_(HOLDING_STATUSES))
                                .order_by(Booking.start_at)))


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Station", opening_hours="24/7", timezone="Europe/Amsterdam")
    bikes = make.category(name="Cargo bikes", min_duration_minutes=60, max_duration_minutes=1440)
    bike_a, bike_b, bike_c = (make.asset(bikes, hub, name=n) for n in ("Bakfiets", "Long John", "Triobike"))
    cars = make.category(name="Cars", min_duration_minutes=60, max_duration_minutes=1440)
    car = make.asset(cars, hub, name="Blue car")
    coordinator = make.member(Role.coordinator)
    licence = create_qualification(session, coordinator, "Driving licence checked",
                                   "Bring your licence to the Station hub on a Saturday morning.", NOW)
    set_category_rules(session, coordinator, cars.id, [licence.id], None, None, None)
    set_category_rules(session, coordinator, bikes.id, [], 1, None, None)
    return dict(hub=hub, bikes=bikes, bike_a=bike_a, bike_b=bike_b, bike_c=bike_c, cars=cars, car=car,
                coordinator=coordinator, licence=licence)


# --- qualifications --------------------------------------------------------------------------------------------

def test_direct_booking_without_the_qualification_is_refused_with_how_to_get_it(session, make, pool):
    member = make.member()
    with pytest.raises(NotQualified) as refused:
        book_asset(session, member, pool["car"].id, at(2, 9), at(2, 12), NOW)
    assert "Cars needs the qualification Driving licence checked" in refused.value.message
    assert "Bring your licence to the Station hub" in refused.value.message
    assert refused.value.status == 403
    assert holding(session, member) == []


def test_a_granted_qualification_lets_the_member_book(session, make, pool):
    member = make.member()
    grant_qualification(session, pool["coordinator"], member.id, pool["licence"].id, None, NOW)
    booking = book_asset(session, member, pool["car"].id, at(2, 9), at(2, 12), NOW)
    assert booking.member_id == member.id


def test_expiry_counts_to_the_last_day_of_the_booking(session, make, pool):
    member = make.member()
    expires = last_local_day(at(3, 12), "Europe/Amsterdam")
    grant_qualification(session, pool["coordinator"], member.id, pool["licence"].id, expires, NOW)
    assert book_asset(session, member, pool["car"].id, at(3, 9), at(3, 12), NOW)
    with pytest.raises(NotQualified, match="valid until"):
        book_asset(session, member, pool["car"].id, at(4, 9), at(4, 12), NOW)
    held = member_qualifications(session, member.id, expires + timedelta(days=1))
    assert [(h.qualification.name, h.valid) for h in held] == [("Driving licence checked", False)]


def test_an_expiry_in_the_past_is_refused(session, make, pool):
    with pytest.raises(ValidationFailed, match="in the past"):
        grant_qualification(session, pool["coordinator"], make.member().id, pool["licence"].id,
                            NOW.date() - timedelta(days=1), NOW)


def test_a_revoked_qualification_no_longer_counts(session, make, pool):
    member = make.member()
    grant = grant_qualification(session, pool["coordinator"], member.id, pool["licence"].id, None, NOW)
    revoke_grant(session, pool["coordinator"], grant.id, NOW)
    with pytest.raises(NotQualified, match="which you do not hold"):
        book_asset(session, member, pool["car"].id, at(2, 9), at(2, 12), NOW)
    grant_qualification(session, pool["coordinator"], member.id, pool["licence"].id, None, NOW)  # renewed
    assert book_asset(session, member, pool["car"].id, at(2, 9), at(2, 12), NOW)


def test_members_cannot_grant(session, make, pool):
    member = make.member()
    with pytest.raises(Forbidden):
        grant_qualification(session, member, member.id, pool["licence"].id, None, NOW)


def test_series_without_the_qualification_books_nothing(session, make, pool):
    member = make.member()
    with pytest.raises(Conflict, match="None of the 3 occurrences could be booked.*Driving licence checked"):
        create_series(session, member, pool["car"].id, (NOW + timedelta(days=2)).date(), time(9), time(12), 3, NOW)
    assert holding(session, member) == []


def test_flexible_request_without_the_qualification_is_refused(session, make, pool):
    member = make.member()
    with pytest.raises(NotQualified, match="Driving licence checked"):
        submit_request(session, member, ask(pool["cars"], at(2, 8), at(2, 18), 120), NOW)
    assert session.scalar(select(func.count()).select_from(FlexibleRequest)) == 0


def test_batch_run_leaves_out_requests_of_members_without_the_qualification(session, make, pool):
    qualified, unqualified = make.member(), make.member()
    grant_qualification(session, pool["coordinator"], qualified.id, pool["licence"].id, None, NOW)
    mine = waitlisted(session, qualified, pool["cars"], at(2, 8), at(2, 18), 120)
    theirs = waitlisted(session, unqualified, pool["cars"], at(3, 8), at(3, 18), 120)
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    assert run.requests_count == 1 and run.served == 1
    assert "Driving licence checked" in theirs.waitlist_reason
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert mine.status == RequestStatus.assigned and theirs.status == RequestStatus.waitlisted


# --- fair-use limits -------------------------------------------------------------------------------------------

def test_direct_bookings_at_overlapping_times_stop_at_the_limit(session, make, pool):
    member = make.member()
    book_asset(session, member, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)
    with pytest.raises(LimitReached) as refused:
        book_asset(session, member, pool["bike_b"].id, at(2, 11), at(2, 14), NOW)
    assert refused.value.message == ("You already hold 1 booking(s) of Cargo bikes at that time; the limit is 1 "
                                     "at once.")
    assert refused.value.status == 409
    assert book_asset(session, member, pool["bike_b"].id, at(2, 12), at(2, 14), NOW)  # back to back is fine
    assert book_asset(session, make.member(), pool["bike_c"].id, at(2, 11), at(2, 14), NOW)  # others are not held


def test_a_cancelled_booking_frees_the_limit(session, make, pool):
    member = make.member()
    first = book_asset(session, member, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)
    cancel_booking(session, member, first.id, NOW)
    assert book_asset(session, member, pool["bike_b"].id, at(2, 10), at(2, 11), NOW)


def test_weekly_hours_and_bookings(session, make, pool):
    set_category_rules(session, pool["coordinator"], pool["bikes"].id, [], None, 5, 2)
    member = make.member()
    monday = at(7 - at(0).weekday() + 7, 8)  # a Monday two weeks ahead, 08:00 UTC
    book_asset(session, member, pool["bike_a"].id, monday, monday + timedelta(hours=3), NOW)
    with pytest.raises(LimitReached, match="6 hours of Cargo bikes in the week of .*the limit is 5 hours"):
        book_asset(session, member, pool["bike_a"].id, monday + timedelta(days=1), monday + timedelta(days=1, hours=3),
                   NOW)
    book_asset(session, member, pool["bike_a"].id, monday + timedelta(days=1), monday + timedelta(days=1, hours=2),
               NOW)
    with pytest.raises(LimitReached, match="2 booking\\(s\\) of Cargo bikes in the week.*limit is 2 per week"):
        book_asset(session, member, pool["bike_a"].id, monday + timedelta(days=2),
                   monday + timedelta(days=2, hours=1), NOW)
    # the next week starts afresh
    assert book_asset(session, member, pool["bike_a"].id, monday + timedelta(days=7),
                      monday + timedelta(days=7, hours=3), NOW)


def test_series_books_only_the_occurrences_within_the_limit(session, make, pool):
    member = make.member()
    first_day = (NOW + timedelta(days=2)).date()
    book_asset(session, member, pool["bike_a"].id, at(9, 8), at(9, 20), NOW)  # overlaps the 2nd occurrence
    result = create_series(session, member, pool["bike_b"].id, first_day, time(10), time(12), 3, NOW)
    assert len(result.booked) == 2 and len(result.skipped) == 1
    assert "the limit is 1 at once" in result.skipped[0]["reason"]


def test_flexible_requests_cannot_win_more_than_the_limit(session, make, pool):
    """One member asking eight times for the same Saturday slot gets one bike; the rest wait, told why."""
    member = make.member()
    results = [submit_request(session, member, ask(pool["bikes"], at(5, 9), at(5, 13), 240), NOW)
               for _ in range(8)]
    assert sum(r.status == RequestStatus.assigned for r in results) == 1
    assert len(holding(session, member)) == 1
    waiting = [r for r in results if r.status == RequestStatus.waitlisted]
    assert all("the limit is 1 at once" in r.waitlist_reason for r in waiting), [r.waitlist_reason for r in waiting]
    other = submit_request(session, make.member(), ask(pool["bikes"], at(5, 9), at(5, 13), 240), NOW)
    assert other.status == RequestStatus.assigned  # the bikes the member could not take are still free


@pytest.mark.parametrize("limited", [True, False])
def test_making_room_never_takes_a_member_past_the_limit(session, make, pool, limited):
    """Making room would move a's flexible booking to the one free place left, 14-17, where a already holds
    another bike: with the limit of one at once it may not, and the newcomer waits."""
    if not limited:
        set_category_rules(session, pool["coordinator"], pool["bikes"].id, [], None, None, None)
    pool["bike_c"].status = pool["bike_c"].status.__class__.retired
    a, others = make.member(), make.member()
    bike_a, bike_b = pool["bike_a"], pool["bike_b"]
    make.booking(bike_b, others, at(3, 8), at(3, 14))
    make.booking(bike_b, others, at(3, 17), at(3, 20))
    book_asset(session, a, bike_b.id, at(3, 14), at(3, 17), NOW)
    make.booking(bike_a, others, at(3, 11), at(3, 14))
    make.booking(bike_a, others, at(3, 17), at(3, 20))
    placeholder = make.booking(bike_a, others, at(3, 14), at(3, 17))
    flexible = submit_request(session, a, ask(pool["bikes"], at(3, 8), at(3, 20), 180), NOW)
    assert (flexible.booking.asset_id, flexible.booking.start_at) == (bike_a.id, at(3, 8))
    cancel_booking(session, pool["coordinator"], placeholder.id, NOW)
    newcomer = submit_request(session, make.member(), ask(pool["bikes"], at(3, 8), at(3, 11), 180), NOW)
    session.refresh(flexible.booking)
    if limited:
        assert newcomer.status == RequestStatus.waitlisted
        assert flexible.booking.start_at == at(3, 8)
    else:  # the same scenario without the limit: the booking moves and the newcomer is served
        assert newcomer.status == RequestStatus.assigned
        assert flexible.booking.start_at == at(3, 14)


def test_batch_run_gives_a_member_no_more_than_the_limit(session, make, pool):
    greedy, other = make.member(), make.member()
    mine = [waitlisted(session, greedy, pool["bikes"], at(5, 9), at(5, 13), 240,
                       created_at=NOW + timedelta(minutes=i)) for i in range(8)]
    theirs = waitlisted(session, other, pool["bikes"], at(5, 9), at(5, 13), 240, created_at=NOW + timedelta(hours=1))
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    assert run.served == 2
    rows = preview_rows(session, pool["coordinator"], run.id)
    unserved = [r for r in rows if r.run is None]
    assert len(unserved) == 7 and all("the limit is 1 at once" in r.reason for r in unserved)
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert len(holding(session, greedy)) == 1
    assert theirs.status == RequestStatus.assigned
    assert mine[0].status == RequestStatus.assigned  # the member's first request is the one kept
    assert all("the limit is 1 at once" in r.waitlist_reason for r in mine[1:])


def test_applying_a_plan_checks_the_limit_again(session, make, pool):
    """A direct booking made while the coordinator looks at the preview counts against the member's limit."""
    member = make.member()
    request = waitlisted(session, member, pool["bikes"], at(5, 9), at(5, 13), 240)
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    assert run.served == 1
    book_asset(session, member, pool["bike_c"].id, at(5, 8), at(5, 14), NOW)
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert request.status == RequestStatus.waitlisted
    assert "the limit is 1 at once" in request.waitlist_reason
    assert len(holding(session, member)) == 1


def waitlisted(session, member, category, start, end, minutes, created_at=NOW):
    request = FlexibleRequest(member_id=member.id, category_id=category.id, requires={}, earliest_start=start,
                              latest_end=end, duration_minutes=minutes, status=RequestStatus.waitlisted,
                              created_at=created_at, updated_at=created_at)
    session.add(request)
    session.flush()
    return request


# --- approval of new accounts ------------------------------------------------------------------------------------

def signed_up(session, email: str):
    outcome = request_signup(session, email, "New Person", PASSWORD, NOW)
    return confirm_signup(session, outcome.token, PASSWORD, NOW)


def test_new_accounts_wait_for_approval_when_the_pool_asks(session, make, pool):
    set_approval_required(session, make_admin(session), True, NOW)
    newcomer = signed_up(session, "new@example.org")
    assert awaiting_approval(session, newcomer)
    assert accounts_waiting(session, pool["coordinator"]) == [newcomer]
    with pytest.raises(NotQualified, match="waiting for a coordinator's approval"):
        book_asset(session, newcomer, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)
    with pytest.raises(NotQualified, match="waiting for a coordinator's approval"):
        submit_request(session, newcomer, ask(pool["bikes"], at(2, 8), at(2, 18), 120), NOW)
    approve_account(session, pool["coordinator"], newcomer.id, NOW)
    assert book_asset(session, newcomer, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)
    assert accounts_waiting(session, pool["coordinator"]) == []


def test_without_the_setting_new_accounts_book_at_once(session, make, pool):
    newcomer = signed_up(session, "free@example.org")
    assert newcomer.approved_at == NOW and not awaiting_approval(session, newcomer)
    assert book_asset(session, newcomer, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)


def test_existing_members_keep_booking_when_approval_is_turned_on(session, make, pool):
    member = make.member()
    set_approval_required(session, make_admin(session), True, NOW)
    assert book_asset(session, member, pool["bike_a"].id, at(2, 9), at(2, 12), NOW)


def test_limits_must_be_positive_whole_numbers(session, pool):
    with pytest.raises(ValidationFailed, match="whole number"):
        set_category_rules(session, pool["coordinator"], pool["bikes"].id, [], 0, None, None)


def test_the_expiry_date_is_a_date(session, make, pool):
    member = make.member()
    grant = grant_qualification(session, pool["coordinator"], member.id, pool["licence"].id, date(2099, 1, 1), NOW)
    assert grant.valid_on(date(2099, 1, 1)) and not grant.valid_on(date(2099, 1, 2))
