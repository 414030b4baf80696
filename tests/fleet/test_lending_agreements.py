"""Lending agreements between pools (fleet/booking/lending_agreements.py): offer, accept, end, who may do what,
and the booking rule: a member of the borrowing pool books a covered category of the lender within the
agreement's limits and approval, and nothing else of the lender; after the end, nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fleet.booking.bookings import approve_booking, book_asset
from fleet.booking.eligibility import LimitReached, NotInPool
from fleet.booking.lending_agreements import (
    accept_agreement, borrowed_categories, end_agreement, get_agreement, list_agreements, offer_agreement,
)
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.models import AgreementStatus, BookingStatus, Notification, RequestStatus, Role
from tests.agreement_world import NOW, lend_trailers, two_pools
from tests.helpers import at


@pytest.fixture
def w(make):
    return two_pools(make)


def test_without_an_agreement_a_villager_cannot_book_the_farms_trailer(session, w):
    with pytest.raises(NotInPool) as refused:
        book_asset(session, w.villager, w.trailer.id, at(1, 10), at(1, 12), NOW)
    assert "Farm co-op" in refused.value.message


def test_an_offer_lets_nobody_book_until_the_borrower_accepts(session, w):
    agreement = offer_agreement(session, w.farm_coordinator, lender_pool_id=w.farm.id,
                                borrower_pool_id=w.village.id, category_ids=[w.trailers.id], now=NOW)
    assert agreement.status == AgreementStatus.offered
    with pytest.raises(NotInPool):
        book_asset(session, w.villager, w.trailer.id, at(1, 10), at(1, 12), NOW)
    assert session.query(Notification).filter_by(member_id=w.village_coordinator.id).count() == 1
    with pytest.raises(Forbidden):  # the lender cannot accept its own offer
        accept_agreement(session, w.farm_coordinator, agreement.id, NOW)
    accept_agreement(session, w.village_coordinator, agreement.id, NOW)
    assert agreement.status == AgreementStatus.active and agreement.accepted_by_id == w.village_coordinator.id
    booking = book_asset(session, w.villager, w.trailer.id, at(1, 10), at(1, 12), NOW)
    assert booking.status == BookingStatus.confirmed


def test_the_agreement_covers_only_its_categories(session, w):
    lend_trailers(session, w)
    with pytest.raises(NotInPool):
        book_asset(session, w.villager, w.tractor.id, at(1, 10), at(1, 12), NOW)
    assert set(borrowed_categories(session, w.villager)) == {w.trailers.id}
    assert borrowed_categories(session, w.farmer) == {}  # lending goes one way


def test_ending_refuses_new_bookings_keeps_made_ones_and_tells_the_lender(session, w):
    agreement = lend_trailers(session, w)
    kept = book_asset(session, w.villager, w.trailer.id, at(2, 10), at(2, 12), NOW)
    end_agreement(session, w.village_coordinator, agreement.id, NOW)  # either side may end it
    assert agreement.status == AgreementStatus.ended
    with pytest.raises(NotInPool):
        book_asset(session, w.villager, w.trailer.id, at(3, 10), at(3, 12), NOW)
    assert kept.status == BookingStatus.confirmed
    told = session.query(Notification).filter_by(member_id=w.farm_coordinator.id).order_by(Notification.id.desc()).first()
    assert told.message_params["count"] == 1
    with pytest.raises(Conflict):
        end_agreement(session, w.farm_coordinator, agreement.id, NOW)


def test_the_agreements_limits_hold_for_the_borrowers_members(session, w):
    lend_trailers(session, w, max_at_once=1, max_hours_per_week=3)
    book_asset(session, w.villager, w.trailer.id, at(1, 10), at(1, 12), NOW)
    with pytest.raises(LimitReached):  # 2 h + 2 h > 3 h that week
        book_asset(session, w.villager, w.trailer.id, at(1, 14), at(1, 16), NOW)
    book_asset(session, w.farmer, w.trailer.id, at(1, 14), at(1, 20), NOW)  # the farm's own members: no limit


def test_an_agreement_requiring_approval_makes_bookings_wait_for_the_lender(session, w):
    lend_trailers(session, w, requires_approval=True)
    booking = book_asset(session, w.villager, w.trailer.id, at(1, 10), at(1, 12), NOW)
    assert booking.status == BookingStatus.pending
    assert book_asset(session, w.farmer, w.trailer.id, at(2, 10), at(2, 12), NOW).status == BookingStatus.confirmed
    approve_booking(session, w.farm_coordinator, booking.id, NOW)
    assert booking.status == BookingStatus.confirmed


def test_each_side_sees_its_agreements_and_nobody_else(session, make, w):
    agreement = lend_trailers(session, w)
    outsider = make.member(Role.coordinator, pool=make.pool("bikes"))
    assert list_agreements(session, w.farm_coordinator) == [agreement] == list_agreements(session, w.village_coordinator)
    assert list_agreements(session, outsider) == []
    with pytest.raises(NotFound):
        get_agreement(session, outsider, agreement.id)
    with pytest.raises(Forbidden):  # a plain member coordinates nothing
        list_agreements(session, w.villager)


@pytest.mark.parametrize("bad, field", [
    ({"borrower_pool_id": 9999}, "borrower_pool_id"),
    ({"borrower_pool_id": "self"}, "borrower_pool_id"),
    ({"category_ids": "tractor-of-village"}, "category_ids"),
    ({"category_ids": []}, "category_ids"),
    ({"max_at_once": 0}, "max_at_once"),
])
def test_bad_offers_are_refused_and_write_nothing(session, make, w, bad, field):
    village_tools = make.category(name="Drills", pool=w.village)
    terms = dict(lender_pool_id=w.farm.id, borrower_pool_id=w.village.id, category_ids=[w.trailers.id])
    terms.update(bad)
    if terms["borrower_pool_id"] == "self":
        terms["borrower_pool_id"] = w.farm.id
    if terms["category_ids"] == "tractor-of-village":
        terms["category_ids"] = [village_tools.id]
    with pytest.raises(ValidationFailed) as refused:
        offer_agreement(session, w.farm_coordinator, now=NOW, **terms)
    assert refused.value.field == field
    assert list_agreements(session, w.farm_coordinator) == []


def test_a_second_open_agreement_between_the_same_pools_is_a_conflict(session, w):
    lend_trailers(session, w)
    with pytest.raises(Conflict):
        offer_agreement(session, w.farm_coordinator, lender_pool_id=w.farm.id, borrower_pool_id=w.village.id,
                        category_ids=[w.tractors.id], now=NOW)


def test_only_the_lenders_coordinator_offers(session, w):
    with pytest.raises(Forbidden):
        offer_agreement(session, w.village_coordinator, lender_pool_id=w.farm.id, borrower_pool_id=w.village.id,
                        category_ids=[w.trailers.id], now=NOW)


# --- flexible requests and the optimiser -----------------------------------------------------------------------

@pytest.fixture
def busy_village_trailer(session, make, w):
    """The village's own "Trailers" with one trailer, booked all day 2 by the village coordinator."""
    trailers = make.category(name="trailers ", pool=w.village, capability_schema={})
    own = make.asset(trailers, w.village_hub, name="Village trailer", capabilities={})
    book_asset(session, w.village_coordinator, own.id, at(2, 6), at(2, 20), NOW)
    return trailers


def ask_for_trailer(category):
    from fleet.allocation.flexible_requests import RequestInput

    return RequestInput(category_id=category.id, earliest_start=at(2, 8), latest_end=at(2, 16),
                        duration_minutes=120, requires={}, lat=52.09, lon=5.12)


def test_a_flexible_request_gets_the_partners_trailer_when_it_is_the_only_one_free(session, w, busy_village_trailer):
    from fleet.allocation.flexible_requests import submit_request

    waiting = submit_request(session, w.villager, ask_for_trailer(busy_village_trailer), NOW, time_limit=2)
    assert waiting.status == RequestStatus.waitlisted  # no agreement: the farm's trailer is not a candidate
    lend_trailers(session, w)
    served = submit_request(session, w.villager, ask_for_trailer(busy_village_trailer), NOW, time_limit=2)
    assert served.status == RequestStatus.assigned and served.booking.asset_id == w.trailer.id


def test_the_batch_optimiser_assigns_a_request_to_the_partners_trailer(session, w, busy_village_trailer):
    from fleet.allocation.flexible_requests import submit_request
    from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run

    request = submit_request(session, w.villager, ask_for_trailer(busy_village_trailer), NOW, make_room=False)
    assert request.status == RequestStatus.waitlisted
    lend_trailers(session, w)
    run = create_run(session, w.village_coordinator, 7, NOW, time_limit=3, pool_id=w.village.id)
    execute_run(session, run.id, NOW)
    apply_run(session, w.village_coordinator, run.id, NOW)
    assert request.status == RequestStatus.assigned and request.booking.asset_id == w.trailer.id


def test_a_request_for_the_lent_category_itself_needs_the_agreement(session, w):
    from fleet.allocation.flexible_requests import submit_request

    with pytest.raises(NotInPool):
        submit_request(session, w.villager, ask_for_trailer(w.trailers), NOW)
    lend_trailers(session, w)
    assert submit_request(session, w.villager, ask_for_trailer(w.trailers), NOW).booking.asset_id == w.trailer.id


# --- reporting: counted once, by the pool that owns the asset ---------------------------------------------------

def test_a_borrowers_booking_counts_in_the_lenders_figures_only(session, make, w):
    from fleet.reporting.utilisation import utilisation_report

    village_drills = make.category(name="Drills", pool=w.village, capability_schema={})
    make.asset(village_drills, w.village_hub, name="Village drill", capabilities={})
    make.booking(w.trailer, w.villager, at(-3, 9), at(-3, 12), status=BookingStatus.completed)
    report = utilisation_report(session, at(-4, 0), at(-1, 0))
    by_category = {row.id: row.figures.booked_hours for row in report.categories}
    assert by_category[w.trailers.id] == pytest.approx(3)
    assert by_category[village_drills.id] == 0
    assert report.pool.figures.booked_hours == pytest.approx(3)  # once, not once per pool
    by_hub = {row.id: row.figures.booked_hours for row in report.hubs}
    assert by_hub[w.farm_hub.id] == pytest.approx(3) and by_hub[w.village_hub.id] == 0
    # each pool's own figures: the lender's hold the booking, the borrower's do not
    farm = utilisation_report(session, at(-4, 0), at(-1, 0), pool_ids={w.farm.id})
    village = utilisation_report(session, at(-4, 0), at(-1, 0), pool_ids={w.village.id})
    assert farm.pool.figures.booked_hours == pytest.approx(3) and village.pool.figures.booked_hours == 0
    from fleet.reporting.impact import impact_report

    lender_impact = impact_report(session, at(0, 0), pool_ids={w.farm.id})
    borrower_impact = impact_report(session, at(0, 0), pool_ids={w.village.id})
    assert w.trailers.id in {c.category_id for c in lender_impact.categories}
    assert w.trailers.id not in {c.category_id for c in borrower_impact.categories}


# --- the demo network ------------------------------------------------------------------------------------------

def test_the_demo_network_lends_the_co_ops_trailers_to_the_village(session):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from fleet.booking.availability import AssetQuery, search_assets
    from fleet.federation.search_scope import search_scope
    from fleet.demo import MEMBER_EMAIL
    from fleet.demo_pools import load_demo_pools
    from fleet.models import Asset, LendingAgreement, Member

    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    load_demo_pools(session, now, pools=3)
    agreement = session.scalar(select(LendingAgreement))
    assert agreement.status == AgreementStatus.active and not agreement.requires_approval
    assert agreement.lender.slug == "farm" and agreement.borrower.slug == "default"
    assert [c.name for c in agreement.categories] == ["Co-op trailers"]
    member = session.scalar(select(Member).where(Member.email == MEMBER_EMAIL))
    scope = search_scope(session, member)
    pool_ids, borrowed = scope.pool_ids, scope.borrowed
    found = search_assets(session, AssetQuery(text="trailer 8 t", pool_ids=pool_ids, borrowed=borrowed))
    assert [(hit.asset.name, hit.via_agreement) for hit in found.hits] == [("Tipping trailer 8 t", True)]
    day = next(now + timedelta(days=d) for d in range(3, 10) if (now + timedelta(days=d)).weekday() < 5)
    start = day.replace(hour=9)  # 10:00 or 11:00 in the co-op's zone: its shed is open
    trailer = found.hits[0].asset
    assert book_asset(session, member, trailer.id, start, start + timedelta(hours=3), now).status in (
        BookingStatus.pending, BookingStatus.confirmed)  # pending only where the co-op's category asks for approval
    tractor = session.scalar(select(Asset).where(Asset.name == "Fendt 311 tractor"))
    with pytest.raises(NotInPool):
        book_asset(session, member, tractor.id, start, start + timedelta(hours=3), now)
