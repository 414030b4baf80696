"""Per-asset opening hours (``open``): pick-up and return must each fall in an open interval, endpoints
inclusive; the booking itself may span closed time."""
from datetime import datetime, timezone

import pytest

from scheduling import (
    Asset,
    Hub,
    InstanceError,
    Interval,
    Problem,
    Request,
    first_violation,
    problem_from_dict,
    problem_to_dict,
    solution_to_dict,
    solve,
)
from scheduling.generate import generate
from sched_builders import asset, at, instance, request

METHODS = ("greedy", "cpsat")


def with_open(item, *hours):
    item["open"] = [{"start": at(s), "end": at(e)} for s, e in hours]
    return item


def run(data, method, time_limit=5.0):
    solution = solve(problem_from_dict(data), time_limit=time_limit, workers=2, method=method)
    assert first_violation(data, solution_to_dict(solution)) is None
    return solution


def starts(solution):
    return {a.request: (a.asset, a.start) for a in solution.assignments}


@pytest.mark.parametrize("method", METHODS)
def test_only_feasible_start_is_at_closing_time(method):
    # Open 8-12 and 14-18; a 2 h request in 11-15: 11 returns at 13 (closed), 13 picks up while closed;
    # only 12 works: pick-up at closing time, return at opening time (both endpoints inclusive).
    data = instance([with_open(asset("a1"), (8, 12), (14, 18))], [request("r1", 11, 15, 2)])
    sol = run(data, method)
    assert starts(sol) == {"r1": ("a1", datetime(2026, 12, 1, 12, tzinfo=timezone.utc))}
    assert sol.metrics.upper_bound_weighted_hours == 2.0


@pytest.mark.parametrize("method", METHODS)
def test_booking_may_span_a_closed_night(method):
    # Borrow at 17:00 (open until 18:00), return the next morning at 09:00 (opens at 08:00).
    data = instance([with_open(asset("a1"), (8, 18), (32, 42))], [request("r1", 17, 34, 16)])
    data["horizon"]["end"] = at(48)
    sol = run(data, method)
    assert [a.request for a in sol.assignments] == ["r1"]
    assert sol.assignments[0].start.hour in (17, 18)
    if method == "greedy":
        assert sol.assignments[0].start.hour == 17  # earliest fit


@pytest.mark.parametrize("method", METHODS)
def test_opening_hours_make_a_request_unservable(method):
    # Open 8-12; an evening request can neither pick up nor return while the hub is open. A second
    # asset that is always open serves the other category, so the instance itself stays valid.
    data = instance(
        [with_open(asset("a1"), (8, 12)), asset("b1", category="bike")],
        [request("late", 18, 23, 2), request("bike", 18, 23, 2, category="bike")],
    )
    sol = run(data, method)
    assert sol.unserved == ("late",)
    assert sol.metrics.upper_bound_weighted_hours == 2.0
    assert sol.status == "optimal"


@pytest.mark.parametrize("method", METHODS)
def test_empty_open_list_is_never_open_and_null_is_always_open(method):
    closed = with_open(asset("a1"))
    always = asset("a2", category="bike")
    always["open"] = None
    data = instance([closed, always], [request("car", 8, 12, 2), request("bike", 8, 12, 2, category="bike")])
    sol = run(data, method)
    assert sol.unserved == ("car",)
    assert starts(sol)["bike"][0] == "a2"


@pytest.mark.parametrize("method", METHODS)
def test_off_grid_opening_hours_are_rounded_inward(method):
    # Open 08:10-11:50 on a 60-minute grid: pick-ups at 09:00 or 10:00 (returning by 11:00); 08:00 is
    # before opening and 11:00 would return at 12:00, after closing.
    data = instance([asset("a1")], [request("r1", 8, 12, 1)])
    data["assets"][0]["open"] = [{"start": "2026-12-01T08:10:00Z", "end": "2026-12-01T11:50:00Z"}]
    sol = run(data, method)
    assert starts(sol)["r1"][1].hour == 9


@pytest.mark.parametrize("method", METHODS)
def test_off_grid_duration_returns_inside_the_hours(method):
    # 90 minutes on a 60-minute grid, open 8-10 and 11:30-12:00: starting at 10:00 returns at 11:30
    # (opening time, allowed); 8:00 returns at 9:30 (open too). A blackout 8-9 leaves only 10:00.
    data = instance([asset("a1", blackouts=[(8, 9)])], [request("r1", 8, 12, 1.5)])
    data["assets"][0]["open"] = [{"start": at(8), "end": at(10)}, {"start": "2026-12-01T11:30:00Z", "end": at(12)}]
    sol = run(data, method)
    assert starts(sol)["r1"][1].hour == 10


def test_cpsat_keeps_each_assets_own_hours_when_moving_to_the_nearer_asset():
    # The request's start domain is the union over both assets (8..14); on the nearer asset only 14
    # (open 14-16) is allowed. Distance moves it there, so the start must follow that asset's hours.
    hubs = [{"id": "near", "lat": 52.370, "lon": 4.900}, {"id": "far", "lat": 52.450, "lon": 4.900}]
    data = instance(
        [with_open(asset("n", hub="near"), (14, 16)), asset("f", hub="far")],
        [request("r1", 8, 16, 2, location={"lat": 52.37, "lon": 4.9})],
        hubs=hubs,
    )
    for method in METHODS:
        sol = run(data, method)
        assert starts(sol) == {"r1": ("n", datetime(2026, 12, 1, 14, tzinfo=timezone.utc))}, method


def test_cpsat_distance_stage_cannot_put_both_on_the_near_asset_outside_its_hours():
    # Near asset open 8-10: only one 2 h booking (8-10) fits its hours; the far one is always open.
    # Both requests are served either way, so the distance stage decides: without each asset's own
    # start domain it would put the second request on the near asset at 10:00, when it is closed.
    hubs = [{"id": "near", "lat": 52.370, "lon": 4.900}, {"id": "far", "lat": 52.450, "lon": 4.900}]
    here = {"lat": 52.37, "lon": 4.9}
    data = instance(
        [with_open(asset("n", hub="near"), (8, 10)), asset("f", hub="far")],
        [request("r1", 8, 12, 2, location=here, created=1), request("r2", 8, 12, 2, location=here, created=2)],
        hubs=hubs,
    )
    sol = run(data, "cpsat")
    assert sorted(a.asset for a in sol.assignments) == ["f", "n"]
    assert sol.status == "optimal"


def test_json_round_trip_keeps_open_and_omits_it_when_absent():
    data = instance(
        [with_open(asset("a1"), (8, 12), (14, 18)), asset("a2"), with_open(asset("a3"))],
        [request("r1", 8, 12, 2)],
    )
    problem = problem_from_dict(data)
    by_id = {a.id: a for a in problem.assets}
    assert by_id["a1"].open == (
        Interval(datetime(2026, 12, 1, 8, tzinfo=timezone.utc), datetime(2026, 12, 1, 12, tzinfo=timezone.utc)),
        Interval(datetime(2026, 12, 1, 14, tzinfo=timezone.utc), datetime(2026, 12, 1, 18, tzinfo=timezone.utc)),
    )
    assert by_id["a2"].open is None and by_id["a3"].open == ()
    out = problem_to_dict(problem)
    assets = {a["id"]: a for a in out["assets"]}
    assert assets["a1"]["open"] == data["assets"][0]["open"]
    assert "open" not in assets["a2"]  # absent stays absent: old readers see the old shape
    assert assets["a3"]["open"] == []
    assert problem_from_dict(out) == problem


@pytest.mark.parametrize(
    "hours,message",
    [
        ("08:00-12:00", "'open' must be a list"),
        ([{"start": at(12), "end": at(8)}], "open[0] ends before it starts"),
        ([{"start": "2026-12-01T08:00:00", "end": at(12)}], "without a UTC offset"),
        ([{"start": at(8)}], "missing field 'end'"),
        (["8-12"], "expected a JSON object"),
    ],
)
def test_bad_open_is_an_instance_error(hours, message):
    data = instance([asset("a1")], [request("r1", 8, 12, 2)])
    data["assets"][0]["open"] = hours
    with pytest.raises(InstanceError, match=None) as exc:
        problem_from_dict(data)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_python_api_validates_open_too():
    t = datetime(2026, 12, 1, tzinfo=timezone.utc)
    naive = Interval(datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 12))
    problem = Problem(
        Interval(t, t.replace(day=2)), 60, (Hub("h1", 52.0, 5.0),),
        (Asset("a1", "car", "h1", open=(naive,)),),
        (Request("r1", "m1", "car", t.replace(hour=8), t.replace(hour=12), 60),),
    )
    with pytest.raises(InstanceError, match="open"):
        solve(problem, time_limit=2)


def test_zero_length_opening_moment_allows_exactly_that_instant():
    # open only at the instants 10:00 and 12:00: a 2 h booking from 10:00 to 12:00 is allowed
    data = instance([with_open(asset("a1"), (10, 10), (12, 12))], [request("r1", 8, 14, 2)])
    for method in METHODS:
        assert starts(run(data, method))["r1"][1].hour == 10


def test_checker_rejects_pick_up_or_return_outside_the_hours():
    data = instance([with_open(asset("a1"), (8, 12), (14, 18))], [request("r1", 8, 18, 2)])

    def sol(s, e):
        return {"status": "feasible", "method": "cpsat",
                "assignments": [{"request": "r1", "asset": "a1", "start": at(s), "end": at(e)}], "unserved": [],
                "metrics": {"requests": 1, "served": 1, "served_hours": 2.0, "weighted_served_hours": 2.0,
                            "upper_bound_weighted_hours": 2.0, "distance_km": 0.0, "wall_seconds": 0.0}}

    assert first_violation(data, sol(12, 14)) is None
    assert "pick-up" in first_violation(data, sol(13, 15))
    assert "return" in first_violation(data, sol(11, 13))


def test_generated_opening_hours_are_solved_feasibly_and_default_is_unchanged():
    assert generate(40, 10, seed=3) == generate(40, 10, seed=3, opening_hours=0.0)
    assert all(a.open is None for a in generate(40, 10, seed=3).assets)
    problem = generate(150, 30, seed=3, opening_hours=0.5)
    staffed = [a for a in problem.assets if a.open is not None]
    assert 0 < len(staffed) < len(problem.assets)
    raw = problem_to_dict(problem)
    for method in METHODS:
        sol = solve(problem, time_limit=3, workers=2, method=method)
        assert first_violation(raw, solution_to_dict(sol)) is None
