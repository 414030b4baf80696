"""Hand-made instances whose optimum is known by argument."""
import time

from scheduling import first_violation, problem_from_dict, problem_to_dict, solve, solution_to_dict
from scheduling.generate import generate


def run(data, method="cpsat", time_limit=5.0):
    problem = problem_from_dict(data)
    solution = solve(problem, time_limit=time_limit, workers=2, method=method)
    assert first_violation(data, solution_to_dict(solution)) is None
    return solution


def test_fcfs_is_provably_worse_than_optimal(build):
    # One 5-seat car and one 7-seat car at the same hub. The early 4-seat booker takes the nearest
    # car that fits (the 7-seater is listed nearer), leaving the later 7-seat request stranded.
    hubs = [{"id": "near", "lat": 52.370, "lon": 4.900}, {"id": "far", "lat": 52.400, "lon": 4.900}]
    data = build.instance(
        [build.asset("seven", hub="near", seats=7), build.asset("five", hub="far", seats=5)],
        [
            build.request("small", 10, 14, 4, requires={"seats": 4}, created=1, location={"lat": 52.37, "lon": 4.9}),
            build.request("big", 10, 14, 4, requires={"seats": 7}, created=2, location={"lat": 52.37, "lon": 4.9}),
        ],
        hubs=hubs,
    )
    greedy = run(data, "greedy")
    assert greedy.metrics.weighted_served_hours == 4.0
    assert greedy.unserved == ("big",)
    best = run(data)
    assert best.status == "optimal"
    assert best.metrics.weighted_served_hours == 8.0
    assert {a.request: a.asset for a in best.assignments} == {"small": "five", "big": "seven"}
    assert best.metrics.upper_bound_weighted_hours == 8.0


def test_fcfs_earliest_start_fragments_the_day(build):
    # Earliest-start FCFS puts the flexible 2 h request at 8:00, splitting the 8:00-12:00 block so
    # the later 4 h request cannot fit; optimum moves the flexible one to 12:00.
    data = build.instance(
        [build.asset("a1")],
        [build.request("flex", 8, 14, 2, created=1), build.request("fixed", 8, 12, 4, created=2)],
    )
    assert run(data, "greedy").metrics.weighted_served_hours == 2.0
    best = run(data)
    assert best.metrics.weighted_served_hours == 6.0
    assert best.status == "optimal"


def test_priority_wins_over_hours(build):
    data = build.instance(
        [build.asset("a1")],
        [build.request("long", 8, 11, 3, priority=1, created=1), build.request("urgent", 8, 10, 2, priority=2, created=2)],
    )
    best = run(data)
    assert [a.request for a in best.assignments] == ["urgent"]
    assert best.metrics.weighted_served_hours == 4.0


def test_second_objective_prefers_the_nearer_hub(build):
    hubs = [{"id": "far", "lat": 52.45, "lon": 4.90}, {"id": "near", "lat": 52.371, "lon": 4.901}]
    data = build.instance(
        [build.asset("a_far", hub="far"), build.asset("a_near", hub="near")],
        [build.request("r", 8, 12, 2, location={"lat": 52.37, "lon": 4.90})],
        hubs=hubs,
    )
    best = run(data)
    assert best.assignments[0].asset == "a_near"
    assert best.status == "optimal"
    assert best.metrics.distance_km < 1.0


def test_fixed_bookings_never_move_and_are_respected(build):
    data = build.instance(
        [build.asset("a1", blackouts=[(0, 6)])],
        [build.request("r1", 6, 14, 4), build.request("r2", 6, 14, 4)],
        bookings=[("b1", "a1", 9, 11)],
    )
    best = run(data)
    # 6-9 and 11-14 are the only gaps; neither holds 4 h, so nothing fits
    assert best.assignments == ()
    assert best.metrics.upper_bound_weighted_hours == 0.0
    assert best.status == "optimal"
    assert problem_to_dict(problem_from_dict(data))["bookings"] == data["bookings"]


def test_back_to_back_is_not_a_conflict(build):
    data = build.instance([build.asset("a1")], [build.request("r1", 8, 10, 2), build.request("r2", 10, 12, 2)],
                          bookings=[("b1", "a1", 12, 13)])
    best = run(data)
    assert best.metrics.served == 2


def test_unservable_instance_gives_a_valid_empty_solution(build):
    data = build.instance(
        [build.asset("a1", seats=4)],
        [build.request("r1", 8, 12, 2, requires={"seats": 9}),
         build.request("r2", 8, 12, 2, location={"lat": 10.0, "lon": 10.0}, max_distance_km=5)],
    )
    for method in ("cpsat", "greedy"):
        sol = run(data, method)
        assert sol.assignments == ()
        assert set(sol.unserved) == {"r1", "r2"}
        assert sol.metrics.upper_bound_weighted_hours == 0.0
        assert sol.status == "optimal"


def test_no_requests_at_all(build):
    sol = run(build.instance([build.asset("a1")], []))
    assert sol.metrics.requests == 0 and sol.status == "optimal"


def test_windows_off_the_grid_are_rounded_inward(build):
    data = build.instance(
        [build.asset("a1")],
        [build.request("r1", 8.25, 10.5, 2), build.request("r2", 8.5, 11.5, 1.5)],
        slot_minutes=60,
    )
    sol = run(data)
    # r1 fits only in [9, 10.5) rounded to [9, 10): 1 slot < 2 h, unservable; r2 is served
    assert [a.request for a in sol.assignments] == ["r2"]
    assert sol.assignments[0].start.hour == 9 and sol.assignments[0].end.minute == 30


def test_time_limit_is_honoured():
    problem = generate(2000, 100, seed=7)
    limit = 3.0
    t0 = time.monotonic()
    sol = solve(problem, time_limit=limit, workers=2)
    elapsed = time.monotonic() - t0
    assert elapsed < limit + 10  # generous slack: this machine is shared and noisy
    baseline = solve(problem, time_limit=limit, method="greedy")
    assert sol.metrics.weighted_served_hours >= baseline.metrics.weighted_served_hours
    assert sol.metrics.upper_bound_weighted_hours >= sol.metrics.weighted_served_hours
    assert first_violation(problem_to_dict(problem), solution_to_dict(sol)) is None


def test_python_api_leaves_an_unknown_category_unserved_and_refuses_bad_arguments(build):
    import dataclasses

    import pytest

    from scheduling import InstanceError

    problem = problem_from_dict(build.instance([build.asset("a1")], [build.request("r1", 8, 12, 2)]))
    odd = dataclasses.replace(problem.requests[0], id="r2", category="spaceship")
    sol = solve(dataclasses.replace(problem, requests=problem.requests + (odd,)), time_limit=2)
    assert sol.unserved == ("r2",) and sol.metrics.served == 1
    with pytest.raises(ValueError):
        solve(problem, method="magic")
    with pytest.raises(ValueError):
        solve(problem, time_limit=0)
    naive = dataclasses.replace(problem.requests[0], earliest_start=problem.requests[0].earliest_start.replace(tzinfo=None))
    with pytest.raises(InstanceError):
        solve(dataclasses.replace(problem, requests=(naive,)))
