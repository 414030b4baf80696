"""Utilisation hand-computed on fixed data: a DST week, a maintenance window, a hub with opening hours.

Run on SQLite and again with COMMONPOOL_TEST_DATABASE=postgres: the expected numbers are the same literals."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from fleet.core.errors import ValidationFailed
from fleet.models import BookingStatus, MaintenanceWindow
from fleet.reporting.utilisation import (
    Period, UnmetDemand, demand_beside_supply, heat_map, open_intervals, rejected_bookings, utilisation_report,
)

AMS = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The week of Mon 20 Oct 2025 in Amsterdam: clocks go back on Sunday 26 Oct, so it has 169 hours.
WEEK_START, WEEK_END = local(2025, 10, 20), local(2025, 10, 27)
OPENING = "Mon-Fri 08:00-18:00; Sat 09:00-13:00"


def test_open_intervals_follow_dst():
    autumn = open_intervals("24/7", "Europe/Amsterdam", Period(WEEK_START, WEEK_END))
    assert sum(b - a for a, b, _ in autumn) == 169 * 3600
    spring = open_intervals("24/7", "Europe/Amsterdam", Period(local(2026, 3, 23), local(2026, 3, 30)))
    assert sum(b - a for a, b, _ in spring) == 167 * 3600
    hours = open_intervals(OPENING, "Europe/Amsterdam", Period(WEEK_START, WEEK_END))
    assert sum(b - a for a, b, _ in hours) == 54 * 3600
    # Saturday opens at 09:00 local, which is 07:00 UTC before the change
    assert datetime.fromtimestamp(hours[-1][0], UTC) == utc(2025, 10, 25, 7)


@pytest.fixture
def pool(make, session):
    member, other = make.member(), make.member()
    always = make.hub(name="Station", opening_hours="24/7")
    library = make.hub(name="Library", opening_hours=OPENING)
    cars = make.category(name="Cars")
    tools = make.category(name="Tools")
    car = make.asset(cars, always, name="Car")
    drill = make.asset(tools, library, name="Drill")
    idle_saw = make.asset(tools, library, name="Saw")
    # Car: 7 real hours across the repeated hour on Sunday (00:00-06:00 local is 7 h), and 4 h of a booking that
    # started before the period.
    make.booking(car, member, local(2025, 10, 26, 0), local(2025, 10, 26, 6))
    make.booking(car, other, utc(2025, 10, 19, 20), utc(2025, 10, 20, 2), BookingStatus.completed)
    # Not use: cancelled, pending, rejected, no-show.
    make.booking(car, member, utc(2025, 10, 21, 8), utc(2025, 10, 21, 10), BookingStatus.cancelled)
    make.booking(car, member, utc(2025, 10, 21, 8), utc(2025, 10, 21, 11), BookingStatus.pending)
    make.booking(car, member, utc(2025, 10, 22, 8), utc(2025, 10, 22, 11), BookingStatus.rejected)
    make.booking(car, member, utc(2025, 10, 23, 8), utc(2025, 10, 23, 9), BookingStatus.no_show)
    # Car maintenance: 4 h on Wednesday.
    session.add(MaintenanceWindow(asset_id=car.id, start_at=utc(2025, 10, 22, 10), end_at=utc(2025, 10, 22, 14)))
    # Drill: Tue 16:00 to Wed 10:00 local is held 18 h, of which 4 h fall in opening hours.
    make.booking(drill, member, local(2025, 10, 21, 16), local(2025, 10, 22, 10), BookingStatus.checked_out)
    # Drill maintenance Thu 07:00-09:00 local: only 08:00-09:00 is inside opening hours.
    session.add(MaintenanceWindow(asset_id=drill.id, start_at=local(2025, 10, 23, 7), end_at=local(2025, 10, 23, 9)))
    session.flush()
    return dict(car=car, drill=drill, saw=idle_saw, cars=cars, tools=tools, always=always, library=library)


def test_hand_computed_week(pool, session):
    report = utilisation_report(session, WEEK_START, WEEK_END)
    by_asset = {r.id: r.figures for r in report.assets}

    car = by_asset[pool["car"].id]
    assert car.open_hours == 169
    assert car.maintenance_hours == 4
    assert car.bookable_hours == 165
    assert car.booked_hours == 11
    assert car.held_hours == 11
    assert car.rate == pytest.approx(11 / 165)

    drill = by_asset[pool["drill"].id]
    assert drill.open_hours == 54
    assert drill.maintenance_hours == 1
    assert drill.bookable_hours == 53
    assert drill.booked_hours == 4
    assert drill.held_hours == 18

    saw = by_asset[pool["saw"].id]
    assert (saw.bookable_hours, saw.booked_hours, saw.rate) == (54, 0, 0)

    tools = next(r for r in report.categories if r.id == pool["tools"].id)
    assert (tools.assets, tools.figures.bookable_hours, tools.figures.booked_hours) == (2, 107, 4)
    library = next(r for r in report.hubs if r.id == pool["library"].id)
    assert library.figures.booked_hours == 4
    assert report.pool.figures.booked_hours == 15
    assert report.pool.figures.bookable_hours == 165 + 53 + 54
    assert report.pool.figures.rate == pytest.approx(15 / 272)
    assert [r.name for r in report.idle_assets(0.05)] == ["Saw"]
    assert [w.week_start.isoformat() for w in report.weeks] == ["2025-10-20"]


def test_weekly_series_and_drill_down(pool, session):
    report = utilisation_report(session, local(2025, 10, 13), WEEK_END, hub_id=pool["always"].id)
    assert [a.name for a in report.assets] == ["Car"]
    assert [w.week_start.isoformat() for w in report.weeks] == ["2025-10-13", "2025-10-20"]
    first, second = report.weeks
    assert first.figures.open_hours == 168 and first.figures.booked_hours == 2  # Sun 22:00 local to 00:00
    assert second.figures.booked_hours == 11  # Mon 00:00-04:00 local and the 7 h on Sunday
    assert report.pool.figures.booked_hours == 13


def test_heat_map_counts_the_repeated_hour_twice(pool, session):
    heat = heat_map(session, WEEK_START, WEEK_END, asset_id=pool["car"].id)
    sunday = heat.booked[6]
    assert sunday[:6] == [1, 1, 2, 1, 1, 1]
    assert heat.capacity[6][2] == 2  # 02:00-03:00 happened twice that Sunday
    assert heat.share(6, 2) == 1
    assert heat.booked[0][:5] == [1, 1, 1, 1, 0]  # the clipped early booking: Monday 00:00-04:00 local
    assert sum(map(sum, heat.booked)) == 11


def test_heat_map_partial_quarters(make, session):
    hub = make.hub(opening_hours="24/7", timezone="America/New_York")
    asset = make.asset(hub=hub)
    member = make.member()
    # 10:20-11:05 New York time on Monday 2025-10-20 (UTC-4)
    make.booking(asset, member, utc(2025, 10, 20, 14, 20), utc(2025, 10, 20, 15, 5))
    heat = heat_map(session, utc(2025, 10, 20, 4), utc(2025, 10, 27, 4))
    assert heat.booked[0][10] == pytest.approx(40 / 60)
    assert heat.booked[0][11] == pytest.approx(5 / 60)
    assert sum(map(sum, heat.capacity)) == 168


def test_unmet_demand_beside_supply(pool, session):
    report = utilisation_report(session, WEEK_START, WEEK_END)
    rows = {r.category_id: r for r in demand_beside_supply(session, report)}
    cars = rows[pool["cars"].id]
    assert (cars.unmet_requests, cars.unmet_hours, cars.supply.booked_hours) == (1, 3, 11)
    assert rows[pool["tools"].id].unmet_requests == 0

    def waitlist(session, period):
        return [UnmetDemand(pool["tools"].id, "waitlist", 2, 5.0)]

    rows = {r.category_id: r for r in demand_beside_supply(session, report, {"rejected_bookings": rejected_bookings,
                                                                                "waitlist": waitlist})}
    assert rows[pool["tools"].id].unmet == {"waitlist": UnmetDemand(pool["tools"].id, "waitlist", 2, 5.0)}


def test_period_is_checked(session):
    with pytest.raises(ValidationFailed):
        utilisation_report(session, WEEK_END, WEEK_START)
    with pytest.raises(ValidationFailed):
        utilisation_report(session, utc(2020, 1, 1), utc(2022, 1, 1))


def test_retired_assets_are_left_out(pool, session):
    from fleet.models import AssetStatus

    pool["saw"].status = AssetStatus.retired
    session.flush()
    report = utilisation_report(session, WEEK_START, WEEK_END)
    assert "Saw" not in [a.name for a in report.assets]
