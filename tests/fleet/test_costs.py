"""Open-book costs: money is integer minor units with a currency, the public summary adds up to the records
and the ledgers, bad input writes nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from fleet.reporting import costs
from fleet.core import money
from fleet.core.errors import Forbidden, ValidationFailed
from fleet.models import BookingStatus, CostRecord, LedgerEntry, Role
from fleet.reporting.utilisation import Period

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)
YEAR = Period(datetime(2025, 11, 30, tzinfo=timezone.utc), datetime(2026, 11, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize("text, minor", [("12.50", 1250), ("12,5", 1250), ("0", 0), ("7", 700), ("0.01", 1),
                                         ("19.99", 1999), ("1000000", 100000000)])
def test_amounts_parse_to_integer_minor_units(text, minor):
    value = money.parse_amount(text)
    assert value == minor and type(value) is int


@pytest.mark.parametrize("text", ["", "-1", "1.234", "abc", "1e3", "nan", "inf", "1.2.3", "99999999999"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(ValidationFailed):
        money.parse_amount(text)


def test_floats_are_never_money(make, session):
    coordinator = make.member(Role.coordinator)
    asset = make.asset()
    with pytest.raises(ValidationFailed):
        costs.record_cost(session, coordinator, asset.id, "repair", 12.5, "EUR", date(2026, 1, 1), "", NOW)
    with pytest.raises(ValidationFailed):
        costs.record_cost(session, coordinator, asset.id, "repair", 1250, "eu", date(2026, 1, 1), "", NOW)
    assert session.scalar(select(func.count(CostRecord.id))) == 0


def test_only_coordinators_record(make, session):
    member = make.member()
    asset = make.asset()
    with pytest.raises(Forbidden):
        costs.record_cost(session, member, asset.id, "repair", 100, "EUR", date(2026, 1, 1), "", NOW)
    with pytest.raises(Forbidden):
        costs.record_ledger_entry(session, member, member.id, "payment", 100, "EUR", date(2026, 1, 1), "", NOW)


def test_summary_matches_the_records_and_the_ledgers(make, session):
    coordinator = make.member(Role.coordinator)
    alice, bob = make.member(), make.member()
    hub = make.hub()
    cars = make.category(name="Cars")
    car1 = make.asset(cars, hub, purchase_cost_minor=1_800_000, currency="EUR", purchase_date=date(2024, 11, 30))
    car2 = make.asset(cars, hub)
    for asset, kind, minor, day in [(car1, "repair", 12_050, date(2026, 3, 1)), (car1, "insurance", 60_000, date(2026, 1, 5)),
                                    (car2, "maintenance", 9_999, date(2026, 6, 1)),
                                    (car2, "repair", 5_000, date(2025, 1, 1))]:  # the last one is before the period
        costs.record_cost(session, coordinator, asset.id, kind, minor, "EUR", day, "", NOW)
    # 100 hours of use in the year: 10 bookings of 10 h
    for i in range(10):
        start = datetime(2026, 5, 1 + i, 8, tzinfo=timezone.utc)
        make.booking(car1 if i % 2 else car2, alice, start, start + timedelta(hours=10), status=BookingStatus.completed)
    costs.record_ledger_entry(session, coordinator, alice.id, "fee", 4_000, "EUR", date(2026, 5, 20), "", NOW)
    costs.record_ledger_entry(session, coordinator, bob.id, "fee", 1_001, "EUR", date(2026, 6, 2), "", NOW)
    costs.record_ledger_entry(session, coordinator, alice.id, "payment", 3_000, "EUR", date(2026, 6, 1), "", NOW)
    session.commit()

    summary = costs.cost_summary(session, YEAR)
    row = next(c for c in summary.categories if c.name == "Cars")
    assert row.recorded.amounts == {"EUR": 12_050 + 60_000 + 9_999}
    assert row.by_kind["repair"].amounts == {"EUR": 12_050}
    # straight line over the calendar life of the category's factor row ("Cars" maps to car_ice: 18 years)
    life_days = round(row.life_years * 365.25)
    assert row.depreciation.amounts == {"EUR": 1_800_000 * 365 // life_days}
    assert row.held_seconds == 100 * 3600 and row.hours_of_use == 100.0
    total = row.total.amounts["EUR"]
    assert total == 12_050 + 60_000 + 9_999 + row.depreciation.amounts["EUR"]
    per_hour = row.cost_per_hour().amounts["EUR"]
    assert per_hour == money.divide_round(total, 100)
    assert summary.fees_charged.amounts == {"EUR": 5_001} and summary.payments_received.amounts == {"EUR": 3_000}
    body = summary.as_dict()
    cars_row = next(c for c in body["categories"] if c["name"] == "Cars")
    for key in ("recorded_costs", "depreciation", "total_cost", "cost_per_hour_of_use"):
        assert all(type(m["amount_minor"]) is int for m in cars_row[key]), key
    assert all(type(m["amount_minor"]) is int for m in body["pool"]["fees_charged"])
    assert "alice" not in str(body).lower() and "@" not in str(body)


def test_member_ledger_balance_and_booking_fee(make, session):
    coordinator = make.member(Role.coordinator)
    alice = make.member()
    cat = make.category()
    asset = make.asset(cat)
    start = datetime(2026, 5, 1, 8, tzinfo=timezone.utc)
    booking = make.booking(asset, alice, start, start + timedelta(minutes=95), status=BookingStatus.completed)
    costs.set_category_fee(session, coordinator, cat.id, 150, None, "EUR", NOW)
    fee = costs.record_ledger_entry(session, coordinator, alice.id, "fee", None, None, date(2026, 5, 2), "",
                                    NOW, booking_id=booking.id)
    assert fee.amount_minor == 238 and type(fee.amount_minor) is int  # 1.50 x 95/60 = 2.375 -> 2.38
    assert fee.currency == "EUR" and fee.category_id == cat.id
    costs.record_ledger_entry(session, coordinator, alice.id, "payment", 500, "EUR", date(2026, 5, 3), "", NOW)
    ledger = costs.member_ledger(session, alice)
    assert ledger.balances == {"EUR": 238 - 500} and len(ledger.entries) == 2


def test_ledger_refuses_someone_elses_booking_and_writes_nothing(make, session):
    coordinator = make.member(Role.coordinator)
    alice, bob = make.member(), make.member()
    asset = make.asset()
    start = datetime(2026, 5, 1, 8, tzinfo=timezone.utc)
    booking = make.booking(asset, bob, start, start + timedelta(hours=1))
    for kwargs in (dict(booking_id=booking.id, amount=100), dict(booking_id=None, amount=None),
                   dict(booking_id=None, amount=0)):
        with pytest.raises(ValidationFailed):
            costs.record_ledger_entry(session, coordinator, alice.id, "fee", kwargs["amount"], "EUR",
                                      date(2026, 5, 2), "", NOW, booking_id=kwargs["booking_id"])
    assert session.scalar(select(func.count(LedgerEntry.id))) == 0


def test_depreciation_is_integer_and_bounded():
    period = Period(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 1, tzinfo=timezone.utc))
    value = costs.depreciation_minor(1_000_001, date(2020, 1, 1), 10, period)
    assert type(value) is int and 0 < value < 1_000_001
    assert costs.depreciation_minor(1_000_001, date(2000, 1, 1), 10, period) == 0  # fully written off
    assert costs.depreciation_minor(1_000_001, date(2030, 1, 1), 10, period) == 0  # bought later
