"""Fleet planning from recorded demand, with answers known by construction."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.reporting import fleet_plans as planning
from fleet.allocation import scheduling_adapter as adapter
from fleet.core.db import utcnow
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.models import BookingStatus, FlexibleRequest, PlanningRun, PlanningStatus, RequestStatus, Role


def _day(now, days_ago: int, hour: int):
    return (now - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def pool(make, session):
    now = utcnow()
    coordinator = make.member(Role.coordinator)
    alice = make.member()
    city = make.hub(name="City", lat=52.09, lon=5.12)
    farm = make.hub(name="Farm", lat=52.37, lon=4.90)  # about 30 km away
    bikes = make.category(name="Cargo bikes", capability_schema={})
    bike = [make.asset(bikes, city, name=f"Bike {i}", capabilities={}, purchase_cost_minor=450_000) for i in range(3)]
    # never more than two bikes out at once at the city hub: one of three is surplus
    for d in range(2, 9):
        make.booking(bike[0], alice, _day(now, d, 8), _day(now, d, 12), status=BookingStatus.completed)
        make.booking(bike[1], alice, _day(now, d, 10), _day(now, d, 14), status=BookingStatus.completed)
        make.booking(bike[2], alice, _day(now, d, 13), _day(now, d, 16), status=BookingStatus.completed)
    # demand near the farm that nothing could serve: expired requests within 5 km of the farm
    for d in range(2, 6):
        session.add(FlexibleRequest(member_id=alice.id, category_id=bikes.id, requires={},
                                    earliest_start=_day(now, d, 8), latest_end=_day(now, d, 18),
                                    duration_minutes=240, lat=52.37, lon=4.90, max_distance_km=5,
                                    status=RequestStatus.expired, created_at=_day(now, 10, 8)))
    session.commit()
    return dict(now=now, coordinator=coordinator, alice=alice, city=city, farm=farm, bikes=bikes, bike=bike)


def test_the_instance_holds_the_recorded_demand(pool, session):
    now = pool["now"]
    problem = adapter.planning_problem(session, now - timedelta(days=14), now)
    assert len(problem.bookings) == 21 and len(problem.requests) == 4
    assert {a.id for a in problem.assets} == {str(b.id) for b in pool["bike"]}
    text = adapter.problem_json(problem)
    assert json.loads(text)["version"] == 1


def test_plan_surplus_and_next_acquisition_at_the_farm(pool, session):
    run = planning.create_plan(session, pool["coordinator"], 14, 30, pool["now"])
    session.commit()
    assert run.status == PlanningStatus.queued and run.result_json is None
    assert planning.get_plan(session, pool["coordinator"], run.id).report is None
    steps = []
    planning.execute_plan(session, run.id, pool["now"], progress=steps.append)
    session.commit()
    assert run.status == PlanningStatus.finished and run.finished_at >= pool["now"]
    assert steps == ["Reading the recorded demand",
                     "Planning on 25 bookings and requests over 3 assets (at most 30 s)"]
    assert planning.progress_message(run) == ("Finished", {"requests": 25, "assets": 3, "seconds": "30"})
    report = planning.get_plan(session, pool["coordinator"], run.id).report
    bikes = str(pool["bikes"].id)
    cat = next(c for c in report["categories"] if c["category"] == bikes)
    assert cat["fewest"]["fleet"] == 3
    # the city demand needs two bikes; the farm demand cannot be served at all by city bikes
    city_row = next(h for h in cat["fewest"]["by_hub"] if h["hub"] == str(pool["city"].id))
    assert city_row["fixed_time_peak"] == 2
    assert cat["fewest"]["needed"] == 2 and len(cat["fewest"]["surplus"]) == 1
    best = report["best_acquisition"]
    assert best["hub"] == str(pool["farm"].id) and best["category"] == bikes
    assert best["gain_weighted_hours"] == 16.0  # four 4-hour requests
    assert best["impact"]["purchase_cost"] == [{"currency": "EUR", "amount_minor": 450_000}]
    co2 = best["impact"]["impact"]["co2e_kg"]  # "Cargo bikes" maps to the cargo bike row: 150 / 280 / 450
    assert co2["low"] <= co2["central"] <= co2["high"] and co2["central"] == 280.0
    surplus = cat["surplus_impact"]["impact"]
    assert surplus["units"] == 1 and surplus["co2e_kg"]["central"] == 280.0
    # moving a city bike to the farm gains what it costs the city: the moves list shows it with evidence
    assert report["moves"] and report["moves"][0]["to"] == str(pool["farm"].id)
    # the stored instance reproduces the plan
    from scheduling import loads_problem
    from scheduling.fleet_plan import plan

    again = plan(loads_problem(run.instance_json), time_limit=20)
    assert again["best_acquisition"]["hub"] == best["hub"]
    assert again["best_acquisition"]["gain_weighted_hours"] == best["gain_weighted_hours"]


def test_plan_input_is_checked(pool, session):
    with pytest.raises(Forbidden):
        planning.create_plan(session, pool["alice"], 14, 10, pool["now"])
    for days, limit, field in ((0, 10, "days"), (91, 10, "days"), (14, 0.5, "time_limit"), (14, 1000, "time_limit"),
                               (True, 10, "days"), (14.0, 10, "days"), (14, float("nan"), "time_limit"),
                               (14, True, "time_limit")):
        with pytest.raises(ValidationFailed) as exc:
            planning.create_plan(session, pool["coordinator"], days, limit, pool["now"])
        assert exc.value.field == field
    assert session.scalar(select(func.count(PlanningRun.id))) == 0


def test_a_run_ends_finished_or_failed_once(pool, session):
    """A job delivered twice computes nothing twice; a failure is kept on the run with its message."""
    coordinator = pool["coordinator"]
    done = planning.create_plan(session, coordinator, 7, 5, pool["now"])
    planning.execute_plan(session, done.id, pool["now"])
    report = done.result_json
    planning.execute_plan(session, done.id, pool["now"], progress=lambda m: pytest.fail("computed again"))
    assert done.status == PlanningStatus.finished and done.result_json == report
    broken = planning.create_plan(session, coordinator, 7, 5, pool["now"])
    planning.fail_plan(session, broken.id, "RuntimeError: the solver fell over", pool["now"])
    session.commit()
    assert broken.status == PlanningStatus.failed and broken.error == "RuntimeError: the solver fell over"
    assert broken.progress == "Failed" and broken.finished_at == pool["now"]
    planning.execute_plan(session, broken.id, pool["now"], progress=lambda m: pytest.fail("computed a failed run"))
    with pytest.raises(Conflict):
        planning.finished_plan(session, coordinator, broken.id)
    with pytest.raises(NotFound):
        planning.execute_plan(session, 999_999, pool["now"])
    runs, total = planning.list_plans(session, coordinator, status=PlanningStatus.failed)
    assert total == 1 and [r.id for r in runs] == [broken.id]
