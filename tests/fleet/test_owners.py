"""Members' own things in the pool: windows hold in every booking path, the owner approves, uses it first,
withdraws without dropping anyone silently, sees the borrowers, and gets their share of each charge once."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run
from fleet.allocation.scheduling_adapter import snapshot_problem
from fleet.booking.availability import AssetQuery, find_available_assets, free_intervals
from fleet.booking.bookings import book_asset, get_booking, move_holding_booking
from fleet.booking.handover import (
    DamageInput, check_in, check_out, get_damage_report, handover_confirmations,
)
from fleet.booking.recurring import create_series
from fleet.catalogue.tariffs import set_tariff
from fleet.core import signals
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.models import (
    AssetStatus, BookingStatus, FlexibleRequest, LedgerEntry, LedgerKind, Notification, RequestStatus, Role,
)
from fleet.owners.approvals import borrowings, decide, waiting_for_owner
from fleet.owners.disputes import dispute_damage
from fleet.owners.listing import ItemInput, get_owned_item, list_item
from fleet.owners.reimbursement import reimbursed_total
from fleet.owners.terms import set_share_bounds
from fleet.owners.windows import WindowInput, add_exception, set_windows
from fleet.owners.withdrawal import future_bookings, withdraw
from fleet.reporting.costs import cost_summary, member_ledger
from fleet.reporting.utilisation import Period
from tests.helpers import at, make_admin

NOW = at(0, 6)
MORNINGS = [WindowInput(day, "09:00", "12:00") for day in range(7)]


@pytest.fixture
def pool(make):
    hub = make.hub(name="Station", opening_hours="24/7", timezone="UTC")
    bikes = make.category(name="Cargo bikes", capability_schema={"seats": "number"}, min_duration_minutes=60,
                          max_duration_minutes=1440)
    owner = make.member(name="Olga Owner")
    coordinator = make.member(Role.coordinator)
    return dict(hub=hub, bikes=bikes, owner=owner, coordinator=coordinator)


def lend(session, pool, approval="none", windows=MORNINGS, **kw):
    data = ItemInput(name=kw.pop("name", "Olga's cargo bike"), category_id=pool["bikes"].id,
                     hub_id=kw.pop("hub_id", pool["hub"].id), timezone="UTC", approval_mode=approval,
                     windows=list(windows), capabilities={"seats": 2}, **kw)
    return list_item(session, pool["owner"], data, NOW)


def test_a_member_lists_an_item_at_their_own_place(session, make, pool):
    item = lend(session, pool, hub_id=None, place=(52.1, 5.1), owner_share_percent=60)
    assert item.at_owner_place and item.asset.hub.lat == 52.1
    assert "Olga" not in item.asset.hub.name  # the place's hub names nobody
    second = lend(session, pool, hub_id=None, place=(52.2, 5.2), name="Drill")
    assert second.asset.hub_id == item.asset.hub_id  # one place per owner, moved
    assert item.owner_share_percent == 60


def test_the_share_must_be_inside_the_pools_bounds(session, pool):
    set_share_bounds(session, make_admin(session), 10, 50, NOW)
    with pytest.raises(ValidationFailed, match="from 10 % to 50 %"):
        lend(session, pool, owner_share_percent=80)
    assert lend(session, pool).owner_share_percent == 50  # none chosen: the highest allowed
    for refused in (pool["owner"], pool["coordinator"]):  # one range for every pool: the administrator's
        with pytest.raises(Forbidden):
            set_share_bounds(session, refused, 0, 100, NOW)


def test_direct_booking_only_inside_the_windows(session, make, pool):
    item = lend(session, pool)
    borrower = make.member()
    with pytest.raises(Conflict, match="not offered by its owner"):
        book_asset(session, borrower, item.asset_id, at(2, 11), at(2, 13), NOW)
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 12), NOW)
    assert booking.status == BookingStatus.confirmed
    free = free_intervals(session, item.asset_id, at(3, 0), at(4, 0))
    assert free == [(at(3, 9), at(3, 12))]


def test_search_shows_it_only_when_the_whole_range_is_offered(session, make, pool):
    item = lend(session, pool)
    inside = find_available_assets(session, AssetQuery(available_from=at(2, 9), available_until=at(2, 11)))
    outside = find_available_assets(session, AssetQuery(available_from=at(2, 8), available_until=at(2, 11)))
    assert item.asset_id in [h.asset.id for h in inside]
    assert item.asset_id not in [h.asset.id for h in outside]


def test_exceptions_add_and_remove_time(session, make, pool):
    item = lend(session, pool)
    add_exception(session, pool["owner"], item.id, "available", at(2, 14), at(2, 18), "", NOW)
    add_exception(session, pool["owner"], item.id, "unavailable", at(3, 0), at(4, 0), "away", NOW)
    borrower = make.member()
    assert book_asset(session, borrower, item.asset_id, at(2, 14), at(2, 16), NOW).status == BookingStatus.confirmed
    with pytest.raises(Conflict):
        book_asset(session, borrower, item.asset_id, at(3, 9), at(3, 11), NOW)


def test_the_owners_own_use_comes_first_and_the_borrower_is_told(session, make, pool):
    item = lend(session, pool)
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 11), NOW)
    with pytest.raises(Conflict, match="bookings hold that time"):
        add_exception(session, pool["owner"], item.id, "unavailable", at(2, 0), at(3, 0), "", NOW)
    result = add_exception(session, pool["owner"], item.id, "owner_use", at(2, 0), at(3, 0), "my move", NOW)
    assert result.released == [booking] and booking.status == BookingStatus.cancelled
    told = session.scalars(select(Notification.message).where(Notification.member_id == borrower.id)).all()
    assert any("needs it back" in m for m in told)
    with pytest.raises(Conflict):
        book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 11), NOW)
    with pytest.raises(NotFound):  # only the owner changes the windows
        set_windows(session, borrower, item.id, [])


def test_flexible_request_is_placed_inside_the_windows(session, make, pool):
    item = lend(session, pool)
    borrower = make.member()
    request = submit_request(session, borrower, RequestInput(
        category_id=pool["bikes"].id, earliest_start=at(2, 6), latest_end=at(2, 20), duration_minutes=120, requires={}), NOW)
    assert request.status == RequestStatus.assigned
    assert at(2, 9) <= request.booking.start_at and request.booking.end_at <= at(2, 12)
    too_long = submit_request(session, make.member(), RequestInput(
        category_id=pool["bikes"].id, earliest_start=at(3, 6), latest_end=at(3, 20), duration_minutes=240, requires={}), NOW)
    assert too_long.status == RequestStatus.waitlisted
    assert item.asset_id


def test_the_optimiser_sees_the_time_outside_windows_as_blackouts(session, make, pool):
    item = lend(session, pool)
    waiting = FlexibleRequest(member_id=make.member().id, category_id=pool["bikes"].id, requires={},
                              earliest_start=at(2, 6), latest_end=at(2, 20), duration_minutes=120,
                              status=RequestStatus.waitlisted, created_at=NOW, updated_at=NOW)
    long_one = FlexibleRequest(member_id=make.member().id, category_id=pool["bikes"].id, requires={},
                               earliest_start=at(3, 6), latest_end=at(3, 20), duration_minutes=240,
                               status=RequestStatus.waitlisted, created_at=NOW, updated_at=NOW)
    session.add_all([waiting, long_one])
    session.flush()
    snapshot = snapshot_problem(session, [waiting, long_one], NOW)
    blackouts = snapshot.problem.assets[0].blackouts
    assert any(b.start <= at(2, 12) and b.end >= at(2, 20) for b in blackouts)
    run = create_run(session, pool["coordinator"], 7, NOW, time_limit=3)
    execute_run(session, run.id, NOW)
    apply_run(session, pool["coordinator"], run.id, NOW)
    assert waiting.status == RequestStatus.assigned
    assert at(2, 9) <= waiting.booking.start_at and waiting.booking.end_at <= at(2, 12)
    assert long_one.status != RequestStatus.assigned  # four hours never fit a three-hour window
    assert item.asset_id == waiting.booking.asset_id


def test_a_series_books_only_the_occurrences_inside_the_windows(session, make, pool):
    weekday = at(2).weekday()
    item = lend(session, pool, windows=[WindowInput(weekday, "09:00", "12:00")])
    borrower = make.member()
    first = at(2).date()
    result = create_series(session, borrower, item.asset_id, first, time(9), time(11), 3, NOW, interval_days=7)
    assert len(result.booked) == 3
    with pytest.raises(Conflict):  # every occurrence falls outside: nothing bookable
        create_series(session, borrower, item.asset_id, first + timedelta(days=1), time(9), time(11), 2, NOW)
    skipping = create_series(session, borrower, item.asset_id, first + timedelta(days=28),
                             time(9), time(11), 2, NOW, interval_days=1)
    assert len(skipping.booked) == 1 and len(skipping.skipped) == 1
    assert isinstance(first, date)


def test_first_time_borrowers_wait_for_the_owner(session, make, pool):
    item = lend(session, pool, approval="first_time")
    newcomer = make.member(name="Nina Newcomer")
    booking = book_asset(session, newcomer, item.asset_id, at(2, 9), at(2, 11), NOW)
    assert booking.status == BookingStatus.pending
    assert waiting_for_owner(session, pool["owner"]) == [booking]
    asked = session.scalars(select(Notification.message).where(Notification.member_id == pool["owner"].id)).all()
    assert any("waits for your approval" in m for m in asked)
    with pytest.raises(NotFound):  # another member cannot decide
        decide(session, make.member(), booking.id, True, NOW)
    decide(session, pool["owner"], booking.id, True, NOW)
    assert booking.status == BookingStatus.confirmed
    with pytest.raises(Conflict):  # decided once, through the booking's transitions
        decide(session, pool["owner"], booking.id, False, NOW)
    booking.check_out()
    booking.complete()
    again = book_asset(session, newcomer, item.asset_id, at(3, 9), at(3, 11), NOW)
    assert again.status == BookingStatus.confirmed  # a known borrower now


def test_every_booking_mode_and_rejection_frees_the_slot(session, make, pool):
    item = lend(session, pool, approval="every_booking")
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 11), NOW)
    decide(session, pool["owner"], booking.id, False, NOW, "on holiday")
    assert booking.status == BookingStatus.rejected
    assert book_asset(session, make.member(), item.asset_id, at(2, 9), at(2, 11), NOW).status == BookingStatus.pending


def test_withdrawal_needs_a_decision_for_every_future_booking(session, make, pool):
    item = lend(session, pool)
    keep_me, release_me = make.member(), make.member()
    kept = book_asset(session, keep_me, item.asset_id, at(2, 9), at(2, 11), NOW)
    released = book_asset(session, release_me, item.asset_id, at(3, 9), at(3, 11), NOW)
    assert future_bookings(session, pool["owner"], item.id, NOW) == [kept, released]
    with pytest.raises(ValidationFailed, match="1 without a decision"):
        withdraw(session, pool["owner"], item.id, {kept.id: "keep"}, NOW)
    assert item.withdrawn_at is None and released.status == BookingStatus.confirmed
    out = withdraw(session, pool["owner"], item.id, {kept.id: "keep", released.id: "release"}, NOW)
    assert out == [released] and released.status == BookingStatus.cancelled and kept.status == BookingStatus.confirmed
    assert item.asset.status == AssetStatus.active  # the kept loan still needs it active at check-out
    told = session.scalars(select(Notification.message).where(Notification.member_id == release_me.id)).all()
    assert any("released your booking" in m for m in told)
    assert item.asset_id not in [h.asset.id for h in find_available_assets(session, AssetQuery())]
    with pytest.raises(Conflict):
        book_asset(session, keep_me, item.asset_id, at(4, 9), at(4, 11), NOW)


def test_only_the_owner_and_coordinators_see_the_borrowers(session, make, pool):
    item = lend(session, pool)
    borrower = make.member(name="Bea Borrower")
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 11), NOW)
    assert [b.borrower_name for b in borrowings(session, pool["owner"], item.id)] == ["Bea Borrower"]
    assert borrowings(session, pool["coordinator"], item.id)[0].booking == booking
    with pytest.raises(NotFound):
        borrowings(session, make.member(), item.id)
    with pytest.raises(NotFound):
        get_owned_item(session, borrower, item.id)
    with pytest.raises(NotFound):  # the owner does not get the borrower's booking itself
        get_booking(session, pool["owner"], booking.id)


def test_the_owner_is_credited_their_share_once_per_charge(session, make, pool):
    item = lend(session, pool, owner_share_percent=70)
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 11), NOW)
    charged_at = at(2, 11)
    for _ in range(2):  # the same charge announced twice
        signals.charge_posted.send(session, booking=booking, amount_minor=1001, currency="EUR", now=charged_at)
    signals.charge_posted.send(session, booking=booking, amount_minor=300, currency="EUR", now=at(2, 12))  # late fee
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == pool["owner"].id)
                              .order_by(LedgerEntry.id)).all()
    assert [(e.kind, e.amount_minor) for e in entries] == [(LedgerKind.owner_reimbursement, 700),
                                                           (LedgerKind.owner_reimbursement, 210)]
    assert member_ledger(session, pool["owner"]).balances == {"EUR": -910}  # a credit
    assert reimbursed_total(session) == {"EUR": 910}
    summary = cost_summary(session, Period(at(-30), at(30))).as_dict()
    assert summary["pool"]["reimbursed_to_owners"] == [{"currency": "EUR", "amount_minor": 910}]
    assert "Olga" not in str(summary)


def test_charges_on_the_pools_own_assets_credit_nobody(session, make, pool):
    asset = make.asset(pool["bikes"], pool["hub"])
    booking = make.booking(asset, make.member(), at(2, 9), at(2, 11))
    signals.charge_posted.send(session, booking=booking, amount_minor=500, currency="EUR", now=at(2, 11))
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_owner_and_borrower_both_confirm_check_out_and_check_in(session, make, pool):
    item = lend(session, pool)
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 12), NOW)
    check_out(session, borrower, booking.id, at(2, 9))
    assert booking.status == BookingStatus.confirmed  # the owner has not confirmed yet
    with pytest.raises(Conflict, match="confirmed this already"):
        check_out(session, borrower, booking.id, at(2, 9))
    with pytest.raises(NotFound):  # a stranger cannot confirm
        check_out(session, make.member(), booking.id, at(2, 9))
    check_out(session, pool["owner"], booking.id, at(2, 9, 5))
    assert booking.status == BookingStatus.checked_out
    result = check_in(session, pool["owner"], booking.id, at(2, 11))
    assert booking.status == BookingStatus.checked_out
    result = check_in(session, borrower, booking.id, at(2, 11, 10), damage=DamageInput("scratch on the frame"))
    assert booking.status == BookingStatus.completed and result.returned_early
    assert booking.end_at == at(2, 11)  # returned when the owner first confirmed
    assert handover_confirmations(session, booking.id) == {"check_out": {borrower.id, pool["owner"].id},
                                                           "check_in": {borrower.id, pool["owner"].id}}
    assert get_damage_report(session, pool["owner"], result.damage.id) == result.damage
    shown = borrowings(session, pool["owner"], item.id)[0]
    assert shown.damage == [result.damage] and shown.check_in is not None


def test_the_hub_flow_of_the_pools_own_assets_needs_one_confirmation(session, make, pool):
    asset = make.asset(pool["bikes"], pool["hub"])
    member = make.member()
    booking = book_asset(session, member, asset.id, at(2, 9), at(2, 12), NOW)
    check_out(session, member, booking.id, at(2, 9))
    assert booking.status == BookingStatus.checked_out
    check_in(session, member, booking.id, at(2, 12))
    assert booking.status == BookingStatus.completed


def test_a_damage_dispute_goes_to_the_coordinators(session, make, pool):
    item = lend(session, pool)
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 12), NOW)
    check_out(session, borrower, booking.id, at(2, 9))
    check_out(session, pool["owner"], booking.id, at(2, 9))
    check_in(session, borrower, booking.id, at(2, 12))
    result = check_in(session, pool["owner"], booking.id, at(2, 12), damage=DamageInput("bent wheel"))
    dispute_damage(session, borrower, result.damage.id, "It was bent before I took it.", at(2, 13))
    told = session.scalars(select(Notification.message).where(
        Notification.member_id == pool["coordinator"].id, Notification.kind == "damage_disputed")).all()
    assert len(told) == 1
    with pytest.raises(NotFound):
        dispute_damage(session, make.member(), result.damage.id, "no", at(2, 13))


def test_re_planning_never_moves_a_booking_onto_an_item_whose_owner_must_approve(session, make, pool):
    strict = lend(session, pool, approval="every_booking", name="Strict bike")
    relaxed = lend(session, pool, approval="none", name="Relaxed bike")
    pool_bike = make.asset(pool["bikes"], pool["hub"], capabilities={"seats": 2})
    booking = book_asset(session, make.member(), pool_bike.id, at(2, 9), at(2, 11), NOW)
    with pytest.raises(Conflict, match="its owner approves"):
        move_holding_booking(session, booking, strict.asset, at(2, 9), at(2, 11))
    move_holding_booking(session, booking, relaxed.asset, at(2, 9), at(2, 11))
    assert booking.asset_id == relaxed.asset_id
    with pytest.raises(Conflict, match="not offered"):
        move_holding_booking(session, booking, relaxed.asset, at(2, 14), at(2, 16))


def test_the_charge_at_a_two_party_check_in_credits_the_owner_once(session, make, pool):
    set_tariff(session, pool["coordinator"], {"currency": "EUR", "per_hour_minor": 200}, NOW,
               category_id=pool["bikes"].id)
    item = lend(session, pool, owner_share_percent=75)
    borrower = make.member()
    booking = book_asset(session, borrower, item.asset_id, at(2, 9), at(2, 12), NOW)
    check_out(session, borrower, booking.id, at(2, 9))
    check_out(session, pool["owner"], booking.id, at(2, 9))
    check_in(session, borrower, booking.id, at(2, 12))  # the owner has not confirmed: nothing charged yet
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    result = check_in(session, pool["owner"], booking.id, at(2, 12, 5))
    assert result.charge is not None and result.charge.amount_minor == 600  # 3 h x 2.00, returned on time
    credits = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.owner_reimbursement)).all()
    assert [(c.member_id, c.amount_minor) for c in credits] == [(pool["owner"].id, 450)]


def test_the_open_book_counts_owners_places_together(session, make, pool):
    lend(session, pool, hub_id=None, place=(52.1, 5.1))
    other = make.member(name="Piet Second")
    data = ItemInput(name="Piet's drill", category_id=pool["bikes"].id, hub_id=None, timezone="UTC",
                     approval_mode="none", windows=list(MORNINGS), capabilities={"seats": 1}, place=(52.3, 5.3))
    list_item(session, other, data, NOW)
    hubs = cost_summary(session, Period(at(-30), at(30))).as_dict()["hubs"]
    places = [h for h in hubs if h["hub_id"] is None]
    assert len(places) == 1 and places[0]["assets"] == 2  # one row for both places: a row each would name a person
    assert {h["name"] for h in hubs} == {"Station", "Members' own places"}
