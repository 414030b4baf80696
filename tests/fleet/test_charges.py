"""Tariffs per category and asset, the price a booking keeps, the charge at check-in (one per booking), the
no-show fee and adjustments that never overwrite a charge."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fleet.booking.bookings import book_asset
from fleet.booking.charges import adjust_charge, booking_charge, booking_price, post_check_in_charge
from fleet.booking.handover import check_in, check_out
from fleet.booking.jobs import release_no_shows
from fleet.catalogue.tariffs import estimate_price, set_tariff, tariff_for
from fleet.core import signals
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.models import LedgerEntry, LedgerKind, MeterUnit, Role
from fleet.reporting.costs import member_ledger
from tests.helpers import at

START = at(2, 9)


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Farm", opening_hours="24/7")
    cars = make.category(name="Cars", no_show_grace_minutes=30)
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    other = make.asset(cars, hub, name="Red car", meter_unit=MeterUnit.km)
    coordinator = make.member(Role.coordinator)
    set_tariff(session, coordinator, {"currency": "EUR", "per_hour_minor": 250, "per_km_minor": 18,
                                      "late_fee_per_hour_minor": 1000, "late_grace_minutes": 15,
                                      "no_show_fee_minor": 500}, START, category_id=cars.id)
    return dict(hub=hub, cars=cars, car=car, other=other, member=make.member(), coordinator=coordinator)


def _book(session, pool, hours=3.5, asset="car"):
    return book_asset(session, pool["member"], pool[asset].id, START, START + timedelta(hours=hours),
                      START - timedelta(days=1))


def test_an_asset_tariff_overrides_its_category(session, pool):
    set_tariff(session, pool["coordinator"], {"currency": "EUR", "per_hour_minor": 400}, START,
               asset_id=pool["other"].id)
    assert tariff_for(session, pool["other"]).per_hour_minor == 400
    assert tariff_for(session, pool["car"]).per_hour_minor == 250
    assert estimate_price(session, pool["other"], START, START + timedelta(hours=2)).amount_minor == 800


def test_only_coordinators_set_tariffs_and_bad_values_write_nothing(session, pool):
    with pytest.raises(Forbidden):
        set_tariff(session, pool["member"], {"currency": "EUR"}, START, category_id=pool["cars"].id)
    for bad in ({"currency": "eu"}, {"currency": "EUR", "per_hour_minor": 2.5},
                {"currency": "EUR", "per_day_minor": -1}, {"currency": "EUR", "late_grace_minutes": 5000}):
        with pytest.raises(ValidationFailed):
            set_tariff(session, pool["coordinator"], bad, START, asset_id=pool["other"].id)
    with pytest.raises(ValidationFailed):
        set_tariff(session, pool["coordinator"], {"currency": "EUR"}, START)
    assert tariff_for(session, pool["other"]).asset_id is None


def test_check_in_posts_the_charge_with_its_computation(session, pool):
    sent = []
    receiver = lambda sender, **kw: sent.append(kw)  # noqa: E731
    signals.charge_posted.connect(receiver)
    try:
        b = _book(session, pool)
        check_out(session, pool["member"], b.id, START, meter_reading=1000)
        result = check_in(session, pool["member"], b.id, b.end_at, meter_reading=1042)
    finally:
        signals.charge_posted.disconnect(receiver)
    entry = result.charge
    assert entry.kind == LedgerKind.charge and entry.amount_minor == 1631 and entry.member_id == pool["member"].id
    assert entry.computation == "3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR"
    assert sent == [{"booking": b, "amount_minor": 1631, "currency": "EUR", "now": b.end_at}]
    assert member_ledger(session, pool["member"]).balances == {"EUR": 1631}


def test_a_tariff_change_never_changes_a_confirmed_booking(session, pool):
    b = _book(session, pool, hours=2)
    assert booking_price(session, b).amount_minor == 500
    set_tariff(session, pool["coordinator"], {"currency": "EUR", "per_hour_minor": 9999}, START,
               category_id=pool["cars"].id)
    assert booking_price(session, b).amount_minor == 500
    check_out(session, pool["member"], b.id, START, meter_reading=10)
    entry = check_in(session, pool["member"], b.id, b.end_at, meter_reading=10).charge
    assert entry.amount_minor == 500


def test_late_return_adds_the_late_fee(session, pool):
    b = _book(session, pool, hours=2)
    check_out(session, pool["member"], b.id, START, meter_reading=0)
    entry = check_in(session, pool["member"], b.id, b.end_at + timedelta(hours=1), meter_reading=0).charge
    assert entry.amount_minor == 500 + 1000 and "late 1 h x 10.00" in entry.computation


def test_two_check_ins_post_one_charge(session, pool):
    b = _book(session, pool, hours=2)
    check_out(session, pool["member"], b.id, START, meter_reading=0)
    check_in(session, pool["member"], b.id, b.end_at, meter_reading=0)
    with pytest.raises(Conflict):
        check_in(session, pool["member"], b.id, b.end_at, meter_reading=0)
    # a racing second posting (the status check passed in both) posts nothing
    assert post_check_in_charge(session, b, b.end_at, b.end_at, 0, b.end_at) is None
    assert session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.booking_id == b.id)) == 1


@pytest.mark.db
def test_the_database_refuses_a_second_charge_of_a_booking(session, pool):
    b = _book(session, pool, hours=2)
    for _ in range(2):
        session.add(LedgerEntry(pool_id=b.asset.category.pool_id, member_id=b.member_id, kind=LedgerKind.charge, amount_minor=100, currency="EUR",
                                entry_date=START.date(), booking_id=b.id, charged_booking_id=b.id, note=""))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_no_show_pays_the_no_show_fee(session, pool):
    b = _book(session, pool, hours=2)
    release_no_shows(session, START + timedelta(minutes=31))
    entry = booking_charge(session, b)
    assert entry.amount_minor == 500 and entry.computation == "no-show 5.00 = 5.00 EUR"
    release_no_shows(session, START + timedelta(minutes=40))
    assert session.scalar(select(func.count(LedgerEntry.id))) == 1


def test_adjustments_are_new_entries_with_a_reason(session, pool):
    b = _book(session, pool, hours=2)
    check_out(session, pool["member"], b.id, START, meter_reading=0)
    charge = check_in(session, pool["member"], b.id, b.end_at, meter_reading=0).charge
    with pytest.raises(Forbidden):
        adjust_charge(session, pool["member"], charge.id, -100, "kind", b.end_at)
    with pytest.raises(ValidationFailed):
        adjust_charge(session, pool["coordinator"], charge.id, -100, "  ", b.end_at)
    with pytest.raises(ValidationFailed):
        adjust_charge(session, pool["coordinator"], charge.id, 0, "nothing", b.end_at)
    with pytest.raises(Conflict):
        adjust_charge(session, pool["coordinator"], charge.id, -501, "too much", b.end_at)
    adj = adjust_charge(session, pool["coordinator"], charge.id, -200, "The tyre was flat", b.end_at)
    assert adj.kind == LedgerKind.adjustment and adj.adjusts_id == charge.id and adj.amount_minor == -200
    assert charge.amount_minor == 500
    assert member_ledger(session, pool["member"]).balances == {"EUR": 300}
    with pytest.raises(NotFound):
        adjust_charge(session, pool["coordinator"], adj.id, 100, "an adjustment is not a charge", b.end_at)


def test_the_open_book_shows_income_per_category_and_hub(session, pool):
    from fleet.reporting.costs import cost_summary
    from fleet.reporting.utilisation import Period

    b = _book(session, pool, hours=2)
    check_out(session, pool["member"], b.id, START, meter_reading=0)
    charge = check_in(session, pool["member"], b.id, b.end_at, meter_reading=0).charge
    adjust_charge(session, pool["coordinator"], charge.id, -100, "goodwill", b.end_at)
    summary = cost_summary(session, Period(START - timedelta(days=1), START + timedelta(days=1)))
    cars = next(c for c in summary.categories if c.category_id == pool["cars"].id)
    hub = next(h for h in summary.hubs if h.hub_id == pool["hub"].id)
    assert cars.income.amounts == {"EUR": 400} and hub.income.amounts == {"EUR": 400}
    assert hub.held_seconds == 2 * 3600 and hub.cost_per_hour() is not None or hub.total.amounts == {}
    body = summary.as_dict()
    assert body["pool"]["income_from_charges"] == [{"currency": "EUR", "amount_minor": 400}]
    assert pool["member"].email not in str(body) and pool["member"].name not in str(body)


def test_a_flexible_request_shows_the_price_range_over_its_possible_assets(session, pool, make):
    from fleet.allocation.flexible_requests import RequestInput, submit_request
    from fleet.allocation.request_prices import request_price_range

    set_tariff(session, pool["coordinator"], {"currency": "EUR", "per_hour_minor": 400}, START,
               asset_id=pool["other"].id)
    request = submit_request(session, pool["member"], RequestInput(
        category_id=pool["cars"].id, earliest_start=START, latest_end=START + timedelta(hours=6),
        duration_minutes=120, requires={}), START - timedelta(days=1))
    low, high = request_price_range(session, request)
    assert (low.amount_minor, high.amount_minor, low.currency) == (500, 800, "EUR")


def test_racing_charges_of_one_booking_post_one_on_postgresql(app, session, pool):
    """Two transactions post the charge of one booking at once: the second waits on the unique index, then
    finds the first committed and posts nothing."""
    import threading

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from fleet.models import Booking, BookingStatus

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the sequential test above covers it there")
    b = _book(session, pool, hours=2)
    b.status = BookingStatus.completed
    session.commit()
    booking_id, url = b.id, app.config["SQLALCHEMY_DATABASE_URI"]
    session.close()
    engine = create_engine(url)
    first, second = Session(engine), Session(engine)
    try:
        one = first.get(Booking, booking_id)
        assert post_check_in_charge(first, one, one.end_at, one.end_at, None, one.end_at) is not None
        results = []
        two = second.get(Booking, booking_id)
        racer = threading.Thread(target=lambda: results.append(
            post_check_in_charge(second, two, two.end_at, two.end_at, None, two.end_at)))
        racer.start()
        with engine.connect() as watcher:  # wait until the second really waits on the first's row
            for _ in range(500):
                waiting = watcher.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                                               "'Lock' AND datname = current_database()")).scalar()
                if waiting or not racer.is_alive():
                    break
                racer.join(0.02)
        first.commit()
        racer.join(30)
        second.commit()
        assert results == [None]
        assert first.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.booking_id == booking_id)) == 1
    finally:
        first.close()
        second.close()
        engine.dispose()
