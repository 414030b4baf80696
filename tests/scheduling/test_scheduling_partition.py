"""Cutting a problem into independently solvable parts and merging their solutions (scheduling/partition.py): the
merged plan is checked by the independent checker and, solved to optimality, has the whole problem's objective."""
from __future__ import annotations

from dataclasses import replace

from scheduling import check_solution, problem_to_dict, solution_to_dict, solve
from scheduling.generate import generate_region
from scheduling.partition import merge_solutions, split_problem


def test_parts_solved_apart_give_the_whole_problems_optimum():
    problem = generate_region(60, 20, towns=3, seed=1, days=7)
    whole = solve(problem, time_limit=30)
    parts = split_problem(problem, 4)
    assert len(parts) == 4
    assert sorted(r.id for p in parts for r in p.requests) == sorted(r.id for r in problem.requests)
    merged = merge_solutions(problem, [solve(p, time_limit=30) for p in parts], wall_seconds=1.0)
    assert whole.status == merged.status == "optimal"
    assert check_solution(problem_to_dict(problem), solution_to_dict(merged)) is None
    m, w = merged.metrics, whole.metrics
    assert (m.served, m.weighted_served_hours, m.upper_bound_weighted_hours) == (
        w.served, w.weighted_served_hours, w.upper_bound_weighted_hours)
    assert abs(m.distance_km - w.distance_km) < 1e-3


def test_a_part_keeps_only_the_assets_and_bookings_its_requests_can_touch():
    """(An asset may be in two parts: `decompose` also cuts by time, and the parts then use it at times apart.)"""
    problem = generate_region(40, 12, towns=2, seed=3, days=7)
    parts = split_problem(problem, 3)
    assert len(parts) == 3
    for part in parts:
        assets = {a.id for a in part.assets}
        assert len(assets) < len(problem.assets)
        assert {a.category for a in part.assets} <= {r.category for r in part.requests}
        assert all(b.asset in assets for b in part.bookings)
        assert part.horizon == problem.horizon and part.hubs == problem.hubs


def test_a_problem_that_does_not_split_stays_whole():
    problem = generate_region(40, 12, towns=2, seed=3, days=7)
    assert split_problem(problem, 1) == [problem]
    one_request = replace(problem, requests=problem.requests[:1])
    assert split_problem(one_request, 8) == [one_request]


def test_a_request_no_asset_can_serve_is_in_no_part_and_unserved_when_merged():
    problem = generate_region(30, 10, towns=2, seed=5, days=7)
    stranded = replace(problem.requests[0], id="nowhere", category="submarine")
    problem = replace(problem, requests=problem.requests + (stranded,))
    parts = split_problem(problem, 4)
    assert all("nowhere" not in {r.id for r in p.requests} for p in parts)
    merged = merge_solutions(problem, [solve(p, time_limit=30) for p in parts], wall_seconds=0.5)
    assert "nowhere" in merged.unserved
    assert check_solution(problem_to_dict(problem), solution_to_dict(merged)) is None
