"""The independent checker catches each kind of violation, and the JSON layer round-trips."""
import copy

import pytest

from scheduling import (
    first_violation,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
    solve,
)
from scheduling.generate import generate
from sched_builders import asset, at, instance, request


def data():
    hubs = [{"id": "h1", "lat": 52.37, "lon": 4.90}, {"id": "h2", "lat": 52.50, "lon": 4.90}]
    return instance(
        [asset("a1", seats=5), asset("a2", seats=7, blackouts=[(16, 18)]), asset("b1", category="bike", hub="h2")],
        [request("r1", 8, 12, 2, requires={"seats": 5}, location={"lat": 52.37, "lon": 4.9}, max_distance_km=3),
         request("r2", 8, 14, 2, priority=2),
         request("r3", 14, 20, 1, category="bike")],
        bookings=[("b", "a1", 12, 13)],
        hubs=hubs,
    )


def valid():
    return {"status": "feasible", "method": "cpsat",
            "assignments": [{"request": "r1", "asset": "a1", "start": at(8), "end": at(10)},
                            {"request": "r2", "asset": "a1", "start": at(10), "end": at(12)}],
            "unserved": ["r3"],
            "metrics": {"requests": 3, "served": 2, "served_hours": 4.0, "weighted_served_hours": 6.0,
                        "upper_bound_weighted_hours": 7.0, "distance_km": 0.0, "wall_seconds": 0.0}}


def test_valid_solution_passes():
    assert first_violation(data(), valid()) is None


def _with(change):
    sol = valid()
    change(sol)
    return sol


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda s: s["assignments"][1].update(start=at(9), end=at(11)), "overlap"),
        (lambda s: s["assignments"][1].update(start=at(11), end=at(13)), "fixed booking b"),
        (lambda s: s["assignments"][1].update(asset="a2", start=at(16), end=at(18)), "outside its window"),
        (lambda s: s["assignments"][1].update(asset="b1"), "bike"),
        (lambda s: s["assignments"][0].update(asset="a2", start=at(17), end=at(19)), "outside its window"),
        (lambda s: s["assignments"][1].update(end=at(13)), "minutes"),
        (lambda s: s["assignments"].append({"request": "r1", "asset": "a2", "start": at(8), "end": at(10)}), "twice"),
        (lambda s: s["assignments"].append({"request": "zz", "asset": "a2", "start": at(8), "end": at(10)}), "unknown request"),
        (lambda s: s["unserved"].clear(), "neither assigned nor unserved"),
        (lambda s: s["metrics"].update(weighted_served_hours=9.0), "weighted_served_hours"),
        (lambda s: s["metrics"].update(upper_bound_weighted_hours=5.0), "upper bound"),
    ],
)
def test_violations_are_named(change, expected):
    message = first_violation(data(), _with(change))
    assert message is not None and expected in message


def test_capability_distance_and_blackout_violations():
    d = data()
    d["requests"][1]["requires"] = {"seats": 7}
    assert "lacks seats" in first_violation(d, valid())
    d = data()
    d["requests"][0]["location"] = {"lat": 52.50, "lon": 4.90}
    assert "km away" in first_violation(d, valid())
    d = data()
    d["assets"][0]["blackouts"] = [{"start": at(11), "end": at(11.5)}]
    assert "blackout" in first_violation(d, valid())


def test_problem_and_solution_round_trip_through_json():
    problem = generate(40, 10, seed=2)
    assert problem_from_dict(problem_to_dict(problem)) == problem
    sol = solve(problem, time_limit=2)
    assert solution_from_dict(solution_to_dict(sol)) == sol
    assert first_violation(problem_to_dict(problem), solution_to_dict(sol)) is None


def test_generated_instances_check_out_and_cpsat_is_not_worse():
    problem = generate(300, 40, seed=11)
    raw = problem_to_dict(problem)
    g = solve(problem, time_limit=3, method="greedy")
    c = solve(problem, time_limit=3)
    for sol in (g, c):
        assert first_violation(raw, solution_to_dict(sol)) is None
    assert c.metrics.weighted_served_hours >= g.metrics.weighted_served_hours
    assert c.metrics.upper_bound_weighted_hours >= c.metrics.weighted_served_hours
    # fixed bookings are untouched and stay in the instance exactly as given
    assert problem_to_dict(problem_from_dict(copy.deepcopy(raw)))["bookings"] == raw["bookings"]
