"""Asset types inside a category: a request for "a jigsaw" or "a jigsaw or a scroll saw", the checker and
the fleet planner (a band saw, a welder and a lathe are not interchangeable)."""
import json

import pytest

from sched_builders import asset, at, instance, request
from scheduling import (
    InstanceError, check_solution, loads_problem, problem_from_dict, problem_to_dict, solution_to_dict, solve,
)
from scheduling.fleet_plan import plan


def typed(id, type_, category="power tools", hub="h1", **caps):
    item = asset(id, category=category, hub=hub, **caps)
    if type_ is not None:
        item["type"] = type_
    return item


def problem(data):
    return loads_problem(json.dumps(data))


@pytest.mark.parametrize("method", ["cpsat", "greedy"])
def test_a_request_for_a_type_gets_that_type_only(method):
    # the hammer drill is nearer in the list and at least as powerful: without types it would do
    data = instance([typed("drill", "hammer drill", watts=800), typed("saw", "Jigsaw", watts=650)],
                    [request("r1", 8, 12, 2, category="power tools", requires={"watts": 600}, types=["jigsaw "])])
    solution = solve(problem(data), time_limit=5, method=method)
    assert [(a.request, a.asset) for a in solution.assignments] == [("r1", "saw")]
    assert check_solution(data, solution_to_dict(solution)) is None


def test_any_of_several_types_and_no_type_means_any():
    data = instance([typed("drill", "hammer drill"), typed("saw", "jigsaw"), typed("scroll", "scroll saw"),
                     typed("plain", None)],
                    [request("r1", 8, 10, 2, category="power tools", types=["jigsaw", "scroll saw"]),
                     request("r2", 8, 10, 2, category="power tools", types=["jigsaw", "scroll saw"]),
                     request("r3", 8, 10, 2, category="power tools", types=["jigsaw", "scroll saw"]),
                     request("r4", 8, 10, 2, category="power tools")])
    solution = solve(problem(data), time_limit=5)
    got = {a.request: a.asset for a in solution.assignments}
    assert {got.get("r1"), got.get("r2"), got.get("r3")} - {None} == {"saw", "scroll"}
    assert solution.metrics.served == 3 and "r4" in got  # r4 takes any type: the drill or the plain one
    assert check_solution(data, solution_to_dict(solution)) is None


def test_checker_refuses_the_wrong_type():
    data = instance([typed("drill", "hammer drill")],
                    [request("r1", 8, 12, 2, category="power tools", types=["jigsaw"])])
    bad = {"status": "feasible", "method": "hand",
           "assignments": [{"request": "r1", "asset": "drill", "start": at(8), "end": at(10)}], "unserved": [],
           "metrics": {"requests": 1, "served": 1, "served_hours": 2.0, "weighted_served_hours": 2.0,
                       "upper_bound_weighted_hours": None, "distance_km": 0.0, "wall_seconds": 0.0}}
    assert "type" in check_solution(data, bad)


def test_types_round_trip_and_bad_types_are_refused():
    data = instance([typed("saw", "jigsaw")], [request("r1", 8, 12, 2, category="power tools", types=["jigsaw"])])
    again = problem_to_dict(problem_from_dict(data))
    assert again["assets"][0]["type"] == "jigsaw" and again["requests"][0]["types"] == ["jigsaw"]
    untyped = problem_to_dict(problem(instance([asset("a1")], [request("r1", 8, 12, 2)])))
    assert "type" not in untyped["assets"][0] and "types" not in untyped["requests"][0]  # version 1 as before
    for bad_asset, bad_request in ((7, ["jigsaw"]), ("jigsaw", "jigsaw"), ("jigsaw", [""]), (" ", ["jigsaw"])):
        bad = json.loads(json.dumps(data))
        bad["assets"][0]["type"], bad["requests"][0]["types"] = bad_asset, bad_request
        with pytest.raises(InstanceError):
            problem_from_dict(bad)


def test_the_planner_does_not_treat_a_band_saw_as_a_lathe():
    # a workshop: one band saw, one welder, one lathe, each booked at the same time -> all three are needed
    assets = [typed("bandsaw", "band saw", category="workshop"), typed("welder", "welder", category="workshop"),
              typed("lathe", "lathe", category="workshop"), typed("lathe2", "lathe", category="workshop")]
    bookings = [("b1", "bandsaw", 9, 12), ("b2", "welder", 9, 12), ("b3", "lathe", 9, 12), ("b4", "lathe", 13, 15)]
    report = plan(problem(instance(assets, [], bookings=bookings)), time_limit=20)
    fewest = report["categories"][0]["fewest"]
    assert fewest["method"] == "sweep" and fewest["exact"] is True
    assert fewest["needed"] == 3 and fewest["surplus"] == ["lathe2"]
    retire = {r["asset"]: r["loss_weighted_hours"] for r in report["retirements"]}
    assert retire["bandsaw"] == 3.0 and retire["welder"] == 3.0 and retire["lathe2"] == 0.0


def test_the_planner_by_solver_keeps_one_of_each_type_in_use():
    # flexible demand for each type: the solver's search may not drop the only welder
    assets = [typed("bandsaw", "band saw", category="workshop"), typed("welder", "welder", category="workshop"),
              typed("bandsaw2", "band saw", category="workshop")]
    reqs = [request("r1", 8, 20, 2, category="workshop", types=["band saw"]),
            request("r2", 8, 20, 2, category="workshop", types=["welder"])]
    report = plan(problem(instance(assets, reqs)), time_limit=20)
    fewest = report["categories"][0]["fewest"]
    assert fewest["needed"] == 2 and "welder" in fewest["keep"]
    acquisitions = report["acquisitions"]
    assert {a["type"] for a in acquisitions} == {"band saw", "welder"}
