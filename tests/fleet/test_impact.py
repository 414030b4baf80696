"""Impact hand-computed for two categories, traced to the rows of fleet/reporting/data/impact_factors.csv."""
from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest

from fleet.core.errors import Forbidden, ValidationFailed
from fleet.reporting.impact import (
    DATA, SCENARIOS, factor_table, impact_report, member_share, reset_category_factors, set_category_factors,
    source_table,
)
from fleet.models import AssetStatus, BookingStatus, Role

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_data_file_rows_have_bands_sources_and_marks():
    with open(DATA / "impact_factors.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 11
    sources = source_table()
    for row in rows:
        assert row["sources"].split(), row["key"]
        assert set(row["sources"].split()) <= set(sources)
        assert "ST07" not in row["sources"]  # the drill claim is not a factor
        for name in ("energy_mj", "co2e_kg", "mass_kg", "substitution"):
            low, central, high = (float(row[f"{name}_{s}"]) for s in SCENARIOS)
            assert low <= central <= high
        for mark in [v for k, v in row.items() if k.endswith("_mark")]:
            assert mark in ("", "est", "assume")
    table = factor_table()
    assert table["cordless_drill"].marks["energy_mj"] == "est"
    assert table["cordless_drill"].marks["substitution"] == ""  # 3 / 10 / 25 is sourced (LOT24)
    assert table["tractor"].per_tonne and table["tractor"].marks["co2e_kg"] == "assume"
    assert table["car_ice"].bands["energy_mj"] == (70000, 120000, 274000)


@pytest.fixture
def pool(make, session):
    a, b, c = make.member(), make.member(), make.member()
    hub = make.hub(opening_hours="24/7")
    drills = make.category(name="Cordless drills", kind="tool")
    cars = make.category(name="Cars")
    trailers = make.category(name="Trailers")
    drill = make.asset(drills, hub, name="Drill")
    car, spare_car = make.asset(cars, hub, name="Car"), make.asset(cars, hub, name="Spare car")
    gone = make.asset(cars, hub, name="Old car", status=AssetStatus.retired)
    trailer = make.asset(trailers, hub, name="Trailer")
    # Drill: 40 held hours by 3 members in the year.
    make.booking(drill, a, utc(2026, 1, 10, 8), utc(2026, 1, 10, 18), BookingStatus.completed)
    make.booking(drill, b, utc(2026, 2, 10, 8), utc(2026, 2, 10, 18), BookingStatus.completed)
    make.booking(drill, c, utc(2026, 3, 10, 0), utc(2026, 3, 10, 20), BookingStatus.completed)
    make.booking(drill, c, utc(2026, 3, 12, 0), utc(2026, 3, 12, 20), BookingStatus.cancelled)
    make.booking(drill, c, utc(2025, 3, 12, 0), utc(2025, 3, 12, 20), BookingStatus.completed)  # before the year
    # Car: 100 held hours by 2 members (one booking straddles the start of the year: 10 of its 20 h count).
    make.booking(car, a, utc(2025, 6, 1, 2), utc(2025, 6, 1, 22), BookingStatus.completed)
    make.booking(car, b, utc(2026, 4, 1, 0), utc(2026, 4, 4, 18), BookingStatus.completed)
    make.booking(trailer, a, utc(2026, 4, 1, 0), utc(2026, 4, 1, 5), BookingStatus.completed)
    session.flush()
    return dict(drills=drills, cars=cars, trailers=trailers, drill=drill, car=car, spare=spare_car, gone=gone,
                a=a)


def test_two_categories_by_hand(pool, session):
    report = impact_report(session, NOW)
    by_name = {c.name: c for c in report.categories}

    drills = by_name["Cordless drills"]
    assert drills.choice.factor_key == "cordless_drill" and not drills.choice.by_coordinator
    (use,) = drills.assets
    assert (use.held_hours, use.members) == (40, 3)
    # r_own = max(1/7, 3/100) = 1/7; U_sh = 40 h x 0.05 = 2 h, r_sh = max(1/7, 2/100) = 1/7; N_av = min(10, 3) = 3
    assert drills.inputs["central"]["r_own"] == pytest.approx(1 / 7)
    assert use.per_scenario["central"] == pytest.approx({"use": 2.0, "r_sh": 1 / 7, "n_av": 3, "units": 2 / 7})
    assert drills.units.central == pytest.approx(2 / 7)
    assert drills.energy_mj.central == pytest.approx(220 * 2 / 7)
    assert drills.co2e_kg.central == pytest.approx(15 * 2 / 7)
    assert drills.material_kg.central == pytest.approx(2 * 2 / 7)
    assert drills.energy_kwh.central == pytest.approx(220 * 2 / 7 / 3.6)
    # Low and high: every run gives 2/7 units here, so the band is the energy band times 2/7.
    assert (drills.energy_mj.low, drills.energy_mj.high) == pytest.approx((120 * 2 / 7, 450 * 2 / 7))

    cars = by_name["Cars"]
    assert cars.choice.factor_key == "car_ice"
    uses = {u.name: u for u in cars.assets}
    assert set(uses) == {"Car", "Spare car"}  # the retired, unused car no longer wears out here
    assert (uses["Car"].held_hours, uses["Car"].members) == (100, 2)
    # r_own = max(1/18, 12000/200000) = 0.06; Car: U_sh = 800 km, r_sh = 1/18, N_av = min(9, 2) = 2;
    # Spare car: nobody used it, r_sh = 1/18 (fleet overhead).
    units = 2 * 0.06 - 1 / 18 - 1 / 18
    assert cars.units.central == pytest.approx(units)
    assert cars.energy_mj.central == pytest.approx(120000 * units)
    assert cars.co2e_kg.central == pytest.approx(7000 * units)
    assert cars.material_kg.central == pytest.approx(1400 * units)
    # All-low run: r_own = max(1/18, 12000/150000) = 0.08, N_av = 2: 2 x 0.08 - 2/18 = 0.0489 (the largest);
    # all-high run: r_own = max(1/18, 12000/250000) = 1/18: 2/18 - 2/18 = 0 (the smallest).
    assert cars.units.low == pytest.approx(0)
    assert cars.units.high == pytest.approx(2 * 0.08 - 2 / 18)
    assert by_name["Trailers"].counted is False

    total = report.total("co2e_kg")
    assert total.central == pytest.approx(15 * 2 / 7 + 7000 * units)
    for c in report.categories:
        for band in (c.units, c.material_kg, c.energy_mj, c.co2e_kg, c.energy_kwh):
            assert band.low <= band.central <= band.high
    body = report.as_dict()
    assert body["pool"]["co2e_kg"]["central"] == pytest.approx(total.central, abs=1e-3)
    assert "supposedly" in body["claims_not_used"][0]["why"]
    assert any("Additionality" in c for c in body["caveats"])


def test_override_is_used_and_marked(pool, session, make):
    coordinator = make.member(Role.coordinator)
    set_category_factors(session, coordinator, pool["cars"].id, "car_bev",
                         {"energy_mj": [100000, 100000, 100000]}, "Our cars' LCA", NOW)
    cars = next(c for c in impact_report(session, NOW).categories if c.name == "Cars")
    assert cars.choice.by_coordinator and cars.choice.note == "Our cars' LCA"
    assert cars.marks()["energy_mj"] == "override"
    assert cars.marks()["co2e_kg"] == ""
    units = 2 * 0.06 - 2 / 18
    assert cars.energy_mj.central == pytest.approx(100000 * units)
    assert cars.co2e_kg.central == pytest.approx(11000 * units)  # the car_bev row
    reset_category_factors(session, coordinator, pool["cars"].id)
    cars = next(c for c in impact_report(session, NOW).categories if c.name == "Cars")
    assert cars.choice.factor_key == "car_ice"


def test_overrides_are_checked(pool, session, make):
    coordinator = make.member(Role.coordinator)
    with pytest.raises(Forbidden):
        set_category_factors(session, pool["a"], pool["cars"].id, "car_ice", {}, "", NOW)
    with pytest.raises(ValidationFailed):
        set_category_factors(session, coordinator, pool["cars"].id, "no_such_row", {}, "", NOW)
    with pytest.raises(ValidationFailed):
        set_category_factors(session, coordinator, pool["cars"].id, "car_ice", {"energy_mj": [3, 2, 1]}, "", NOW)
    with pytest.raises(ValidationFailed):
        set_category_factors(session, coordinator, pool["cars"].id, "car_ice", {"status": [1, 2, 3]}, "", NOW)
    set_category_factors(session, coordinator, pool["trailers"].id, None, {}, "Not in the table", NOW)


def test_member_share(pool, session):
    period, lines = member_share(session, pool["a"], NOW)
    by_name = {line.name: line for line in lines}
    assert by_name["Cordless drills"].hours == 10
    assert by_name["Cars"].hours == 10  # only the part of the straddling booking inside the year
    assert by_name["Trailers"].owned_co2e_kg is None
    # Owning a drill: 15 kg CO2e x r_own (1/7) per year
    assert by_name["Cordless drills"].owned_co2e_kg.central == pytest.approx(15 / 7)


def test_meter_readings_at_handover_replace_the_assumed_use(pool, session):
    """The car's April booking (90 of its 100 held hours) was read at handover: 2,500 km. Only the other
    10 hours are converted with the assumption (8 km per booked hour, central)."""
    from sqlalchemy import select

    from fleet.models import Booking, Handover, HandoverKind

    april = session.scalar(select(Booking).where(Booking.asset_id == pool["car"].id,
                                                 Booking.start_at == utc(2026, 4, 1, 0)))
    session.add_all([
        Handover(booking_id=april.id, asset_id=pool["car"].id, kind=HandoverKind.check_out, by_id=pool["a"].id,
                 at=utc(2026, 4, 1, 0, 5), meter_reading=1000.0, checklist={}),
        Handover(booking_id=april.id, asset_id=pool["car"].id, kind=HandoverKind.check_in, by_id=pool["a"].id,
                 at=utc(2026, 4, 4, 17, 50), meter_reading=3500.0, checklist={}),
    ])
    session.flush()
    cars = {c.name: c for c in impact_report(session, NOW).categories}["Cars"]
    car = {u.name: u for u in cars.assets}["Car"]
    assert (car.recorded_use, car.recorded_hours) == (2500.0, 90.0)
    assert car.per_scenario["central"]["use"] == pytest.approx(2500 + 10 * 8)
    assert car.as_dict()["recorded_use"] == 2500.0
