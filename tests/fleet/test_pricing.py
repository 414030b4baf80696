"""Prices from tariffs: integer minor units, a computation a member can check, the day/hour rule, metered use,
minimum, late and no-show fees."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fleet.core.pricing import TariffTerms, charge, estimate, figure, no_show_fee, price_range

T0 = datetime(2026, 6, 1, 8, tzinfo=timezone.utc)


def test_the_issue_example_adds_up_in_integers():
    terms = TariffTerms(per_hour_minor=250, per_km_minor=18)
    price = charge(terms, T0, T0 + timedelta(hours=3, minutes=30), T0 + timedelta(hours=3), "km", 42)
    assert price.amount_minor == 875 + 756 and type(price.amount_minor) is int
    assert price.computation == "3.5 h x 2.50 + 42 km x 0.18 = 16.31 EUR"


def test_hours_and_days_never_cost_more_than_a_day_for_the_rest():
    terms = TariffTerms(per_hour_minor=300, per_day_minor=2000)
    assert estimate(terms, T0, T0 + timedelta(hours=2)).amount_minor == 600
    # 10 h at 3.00 would be 30.00: a day is cheaper
    ten = estimate(terms, T0, T0 + timedelta(hours=10))
    assert ten.amount_minor == 2000 and ten.computation == "1 d x 20.00 = 20.00 EUR"
    mixed = estimate(terms, T0, T0 + timedelta(days=2, hours=1, minutes=30))
    assert mixed.amount_minor == 4450 and mixed.computation == "2 d x 20.00 + 1.5 h x 3.00 = 44.50 EUR"


def test_a_day_rate_alone_counts_started_days():
    terms = TariffTerms(per_day_minor=1500)
    assert estimate(terms, T0, T0 + timedelta(hours=1)).amount_minor == 1500
    assert estimate(terms, T0, T0 + timedelta(hours=25)).amount_minor == 3000


def test_minimum_and_deposit():
    terms = TariffTerms(per_hour_minor=100, minimum_minor=500, deposit_minor=5000)
    price = estimate(terms, T0, T0 + timedelta(hours=1))
    assert price.amount_minor == 500 and price.deposit_minor == 5000
    assert price.computation == "1 h x 1.00 = 1.00, minimum 5.00 = 5.00 EUR"


def test_metered_rate_is_carried_when_the_use_is_not_known():
    terms = TariffTerms(per_hour_minor=200, per_engine_hour_minor=1500)
    price = estimate(terms, T0, T0 + timedelta(hours=2), "hours")
    assert price.amount_minor == 400 and price.metered_rate_minor == 1500 and price.meter_unit == "hours"
    used = charge(terms, T0, T0 + timedelta(hours=2), T0 + timedelta(hours=2), "hours", 1.26)
    assert used.amount_minor == 400 + 1950 and "1.3 engine h x 15.00" in used.computation


def test_late_return_beyond_grace_adds_the_late_fee():
    terms = TariffTerms(per_hour_minor=200, late_fee_per_hour_minor=1000, late_grace_minutes=15)
    end = T0 + timedelta(hours=2)
    assert charge(terms, T0, end, end + timedelta(minutes=10)).amount_minor == 400
    late = charge(terms, T0, end, end + timedelta(minutes=90))
    assert late.amount_minor == 400 + 1500
    assert late.computation == "2 h x 2.00 + late 1.5 h x 10.00 = 19.00 EUR"


def test_no_show_fee_and_free_tariffs():
    assert no_show_fee(TariffTerms(no_show_fee_minor=700)).amount_minor == 700
    assert TariffTerms().is_free and estimate(TariffTerms(), T0, T0 + timedelta(hours=1)).amount_minor == 0


def test_terms_round_trip_and_ranges():
    terms = TariffTerms(currency="CHF", per_hour_minor=1, late_grace_minutes=5)
    assert TariffTerms.from_dict(terms.as_dict()) == terms
    cheap, dear = price_range([estimate(TariffTerms(per_hour_minor=n), T0, T0 + timedelta(hours=1))
                               for n in (300, 100, 200)])
    assert (cheap.amount_minor, dear.amount_minor) == (100, 300)
    assert figure(-5) == "-0.05" and figure(123456) == "1234.56"
