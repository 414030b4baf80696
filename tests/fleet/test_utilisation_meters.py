"""Recorded meter use beside booked hours: km of km meters, engine hours of hour meters and their share of the
booked time, per asset, category, hub and pool; "no readings" told apart from "no meter"; one query more."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from fleet.models import BookingStatus, Handover, HandoverKind, MeterUnit
from fleet.reporting.utilisation import MeterUse, utilisation_report

UTC = timezone.utc
START, END = datetime(2025, 11, 3, tzinfo=UTC), datetime(2025, 11, 10, tzinfo=UTC)


def day(d: int, hour: int = 9) -> datetime:
    return datetime(2025, 11, d, hour, tzinfo=UTC)


def read(session, booking, out: float | None, back: float | None, back_at: datetime | None = None) -> None:
    """Check-out at the booking's start, check-in at `back_at` (default its end), with these readings."""
    session.add(Handover(booking_id=booking.id, asset_id=booking.asset_id, kind=HandoverKind.check_out,
                         by_id=booking.member_id, at=booking.start_at, meter_reading=out, checklist={}, note=""))
    if back_at is not False:
        session.add(Handover(booking_id=booking.id, asset_id=booking.asset_id, kind=HandoverKind.check_in,
                             by_id=booking.member_id, at=back_at or booking.end_at, meter_reading=back, checklist={},
                             note=""))
    session.flush()


@pytest.fixture
def pool(make, session):
    member = make.member()
    hub = make.hub(name="Farm", opening_hours="24/7")
    shed = make.hub(name="Shed", opening_hours="24/7")
    cars = make.category(name="Cars")
    tractors = make.category(name="Tractors")
    mowers = make.category(name="Mowers")
    tools = make.category(name="Tools")
    car = make.asset(cars, hub, name="Car", meter_unit=MeterUnit.km)
    van = make.asset(cars, shed, name="Van", meter_unit=MeterUnit.km)
    tractor = make.asset(tractors, hub, name="Tractor", meter_unit=MeterUnit.hours)
    mower = make.asset(mowers, shed, name="Mower", meter_unit=MeterUnit.hours)
    drill = make.asset(tools, hub, name="Drill")
    done = BookingStatus.completed

    def booking(asset, start, hours):
        return make.booking(asset, member, start, start + timedelta(hours=hours), done)

    # Car: 60 km in the period; a trip checked in before it and one checked in after it do not count.
    read(session, booking(car, day(4), 3), 1000, 1060)
    read(session, booking(car, day(2), 2), 900, 1000)
    read(session, booking(car, day(9, 22), 4), 1060, 1100)  # checked in 02:00 on the 10th: after the period
    # Van: booked, but its meter was never read at both ends (checked out and still out)
    read(session, booking(van, day(5), 3), 300, None, back_at=False)
    # Tractor: 3 engine hours in a 4-hour booking, 1.5 in a 2-hour one: 4.5 of 6 booked hours, 75 %.
    read(session, booking(tractor, day(4), 4), 500, 503)
    read(session, booking(tractor, day(6), 2), 503, 504.5)
    # Mower: an hour meter and a booking, but no readings at check-in
    read(session, booking(mower, day(6), 5), 20, None)
    # Drill: no meter at all
    booking(drill, day(4), 2)
    session.flush()
    return dict(car=car, van=van, tractor=tractor, mower=mower, drill=drill)


def test_recorded_use_per_asset(session, pool):
    report = utilisation_report(session, START, END, with_meter_use=True)
    by_name = {r.name: r.meters for r in report.assets}
    car, van, tractor, mower, drill = (by_name[n] for n in ("Car", "Van", "Tractor", "Mower", "Drill"))
    assert (car.km_meters, car.km, car.km_readings, car.hour_meters) == (1, 60.0, 1, 0)
    assert (van.km_meters, van.km_readings) == (1, 0)  # a km meter, no readings
    assert (tractor.hour_meters, tractor.engine_hours, tractor.hour_readings) == (1, 4.5, 2)
    assert tractor.read_booked_hours == 6 and tractor.run_share == pytest.approx(0.75)
    assert (mower.hour_meters, mower.hour_readings, mower.run_share) == (1, 0, None)
    assert drill == MeterUse()
    # booked hours are untouched by the meters
    assert {r.name: r.figures.booked_hours for r in report.assets}["Tractor"] == 6


def test_recorded_use_per_category_hub_and_pool_keeps_units_apart(session, pool):
    report = utilisation_report(session, START, END, with_meter_use=True)
    cats = {r.name: r.meters for r in report.categories}
    assert (cats["Cars"].km_meters, cats["Cars"].km, cats["Cars"].km_readings) == (2, 60.0, 1)
    assert cats["Cars"].hour_meters == 0 and cats["Cars"].run_share is None
    assert (cats["Tractors"].engine_hours, cats["Tractors"].run_share) == (4.5, pytest.approx(0.75))
    assert (cats["Mowers"].hour_meters, cats["Mowers"].hour_readings) == (1, 0)
    assert cats["Tools"] == MeterUse()
    hubs = {r.name: r.meters for r in report.hubs}
    assert (hubs["Farm"].km, hubs["Farm"].engine_hours, hubs["Farm"].run_share) == (60.0, 4.5, pytest.approx(0.75))
    # the mower's booking without readings adds nothing to either side of the share
    assert (hubs["Shed"].hour_meters, hubs["Shed"].hour_readings, hubs["Shed"].run_share) == (1, 0, None)
    pool_use = report.pool.meters
    assert (pool_use.km, pool_use.km_readings, pool_use.engine_hours, pool_use.hour_readings) == (60.0, 1, 4.5, 2)
    assert (pool_use.km_meters, pool_use.hour_meters) == (2, 2)


def test_scoped_report_and_report_without_meters(session, pool):
    one = utilisation_report(session, START, END, asset_id=pool["tractor"].id, with_meter_use=True)
    assert [r.name for r in one.assets] == ["Tractor"] and one.pool.meters.engine_hours == 4.5
    plain = utilisation_report(session, START, END)
    assert plain.pool.meters is None and all(r.meters is None for r in plain.assets + plain.categories)


def test_recorded_use_is_one_grouped_query_however_many_assets(session, pool, make):
    def statements(**kw) -> int:
        seen = []
        engine = session.get_bind()
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            utilisation_report(session, START, END, **kw)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = (statements(), statements(with_meter_use=True))
    assert before[1] == before[0] + 1
    tractors = pool["tractor"].category
    for n in range(10):
        make.asset(tractors, pool["tractor"].hub, name=f"Tractor {n}", meter_unit=MeterUnit.hours)
    assert (statements(), statements(with_meter_use=True)) == before
