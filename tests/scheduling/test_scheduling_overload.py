"""Demand far above the fleet: the flow and Lagrangian bounds, large-neighbourhood search and the hotel-shaped instances."""
import time

import pytest
from ortools.sat.python import cp_model

from scheduling import first_violation, problem_from_dict, problem_to_dict, solution_to_dict, solve
from scheduling.bounds import servable_total
from scheduling.cpsat import _Model
from scheduling.decompose import decompose
from scheduling.flow_bound import flow_bound
from scheduling.generate import demand_ratio, generate, generate_hotel, generate_region
from scheduling.lagrange_bound import lagrange_bound
from scheduling.greedy import best_fit, densest_first, fcfs, least_flexible_order, longest_first, objective
from scheduling.lns import LnsStats, improve, time_step
from scheduling.slotted import compile_problem
from scheduling.solve import _solution  # the one place that turns placements into a Solution

SOURCES = {"cpsat", "flow", "lagrange", "capacity", "servable"}


def _exact(slotted, sub):
    """The proven optimum of objective 1 on one subproblem (small enough for CP-SAT to prove)."""
    model = _Model(slotted, sub)
    model.model.maximize(model.weight_expr)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 60.0  # a safety net only: these prove in milliseconds
    assert solver.solve(model.model) == cp_model.OPTIMAL, "the instance is meant to be small enough to prove"
    return round(solver.objective_value)


def test_flow_bound_is_below_servable_and_above_the_optimum_when_fixed_times_collide(build):
    # One car; two fixed-time 2 h requests that overlap by an hour. Served is 2 h at best; the flow
    # relaxation may split a request (3 h of asset-time in the 3 h they span), serving everything does not.
    data = build.instance([build.asset("a1")], [build.request("r1", 8, 10, 2), build.request("r2", 9, 11, 2)])
    slotted = compile_problem(problem_from_dict(data))
    (sub,) = decompose(slotted)
    bound, _bucket = flow_bound(slotted, sub)
    assert _exact(slotted, sub) == 120 <= bound == 180 < servable_total(slotted, sub) == 240


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_flow_bound_never_cuts_below_a_proven_optimum(seed):
    # about twice the fleet's hours on one day, a car or two per category: every subproblem is provable
    problem = generate(80, 9, seed=seed, days=1)
    assert demand_ratio(problem) > 1.5
    slotted = compile_problem(problem)
    for sub in decompose(slotted):
        found = flow_bound(slotted, sub)
        assert found is not None
        assert found[0] >= _exact(slotted, sub)


def test_the_lagrangian_bound_fits_jobs_whole_where_the_flow_cuts_them(build):
    # One car, blocked 11-12 and 13-14; three 3 h requests in 8-17 fit whole only at 8 and at 14. The
    # flow may also run a piece in the free hour 12-13 (7 h); whole, two of them fit (6 h).
    data = build.instance([build.asset("a1", blackouts=[(11, 12), (13, 14)])],
                          [build.request(f"r{i}", 8, 17, 3) for i in range(3)])
    slotted = compile_problem(problem_from_dict(data))
    (sub,) = decompose(slotted)
    exact = _exact(slotted, sub)
    found = lagrange_bound(slotted, sub, incumbent=0, deadline=time.monotonic() + 60)
    assert exact == 360 <= found < flow_bound(slotted, sub)[0] == 420


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lagrangian_bound_never_cuts_below_a_proven_optimum(seed):
    problem = generate(80, 9, seed=seed, days=1)
    slotted = compile_problem(problem)
    for sub in decompose(slotted):
        found = lagrange_bound(slotted, sub, incumbent=0, deadline=time.monotonic() + 60)
        assert found is not None
        assert found >= _exact(slotted, sub)


def test_a_coarse_flow_is_still_a_bound():
    problem = generate(80, 9, seed=4, days=1)
    slotted = compile_problem(problem)
    for sub in decompose(slotted):
        fine, coarse = flow_bound(slotted, sub), flow_bound(slotted, sub, max_arcs=1)
        if coarse is None:  # even the coarsest buckets are over one arc: nothing to compare
            continue
        assert coarse[0] >= fine[0] >= _exact(slotted, sub)


def _lns_case(seed):
    problem = generate(200, 14, seed=seed, days=2)
    slotted = compile_problem(problem)
    sub = max(decompose(slotted), key=lambda s: len(s.jobs))
    start = {j: p for j, p in fcfs(slotted).items() if j in set(sub.jobs)}
    return problem, slotted, sub, start


def _sub_value(slotted, placement):
    w, d = objective(slotted, placement)
    return w, -d


@pytest.mark.parametrize("seed", [1, 2])
def test_lns_never_returns_worse_than_its_start_and_stays_feasible(seed):
    problem, slotted, sub, start = _lns_case(seed)
    stats = LnsStats()
    found = improve(slotted, sub, start, iterations=8, seed=seed, deterministic=True, seconds_per_solve=0.05, stats=stats)
    assert stats.iterations >= 1
    assert _sub_value(slotted, found) >= _sub_value(slotted, start)
    assert all(later >= earlier for earlier, later in zip(stats.history, stats.history[1:]))
    # the search keeps its objective by the moved jobs' changes; it must equal the plan's, counted afresh
    assert stats.history and stats.history[-1] == _sub_value(slotted, found)
    # the whole plan (the other subproblems from FCFS) passes the independent checker
    plan = {j: p for j, p in fcfs(slotted).items() if j not in set(sub.jobs)}
    plan.update(found)
    solution = _as_solution(slotted, plan)
    assert first_violation(problem_to_dict(problem), solution_to_dict(solution)) is None


def test_lns_gains_on_an_overloaded_subproblem():
    _problem, slotted, sub, start = _lns_case(3)
    found = improve(slotted, sub, start, iterations=12, seed=3, deterministic=True, seconds_per_solve=0.05)
    assert objective(slotted, found)[0] > objective(slotted, start)[0]


def test_lns_is_deterministic_with_a_fixed_seed():
    _problem, slotted, sub, start = _lns_case(1)
    runs = [improve(slotted, sub, start, iterations=6, seed=7, deterministic=True, seconds_per_solve=0.05)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_lns_stops_at_its_bound():
    _problem, slotted, sub, start = _lns_case(1)
    stats = LnsStats()
    improve(slotted, sub, start, iterations=5, bound=objective(slotted, start)[0], stats=stats, deterministic=True)
    assert stats.iterations == 0


def test_lns_needs_a_limit():
    _problem, slotted, sub, start = _lns_case(1)
    with pytest.raises(ValueError):
        improve(slotted, sub, start)


def _as_solution(slotted, placement):
    return _solution(slotted, placement, "feasible", "cpsat", 10**9, 0.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_overloaded_plans_are_feasible_with_a_true_bound_and_its_source(seed):
    problem = generate(500, 12, seed=seed, days=3)
    assert demand_ratio(problem) > 2.5
    raw = problem_to_dict(problem)
    fcfs_solution = solve(problem, time_limit=6, workers=2, method="greedy")
    best = solve(problem, time_limit=6, workers=2)
    assert first_violation(raw, solution_to_dict(best)) is None
    m = best.metrics
    assert m.weighted_served_hours >= fcfs_solution.metrics.weighted_served_hours
    assert m.upper_bound_weighted_hours >= m.weighted_served_hours
    parts = dict(p.rsplit(" ", 1) for p in m.bound_source.split(", "))
    assert set(parts) <= SOURCES and sum(int(n) for n in parts.values()) >= 1
    assert solution_to_dict(best)["metrics"]["bound_source"] == m.bound_source


def test_hotel_instance_shape():
    problem = generate_hotel(stays=300, rooms=20, days=30, seed=1)
    assert len(problem.requests) == 300 and len(problem.assets) == 20
    for r in problem.requests:
        # whole nights from noon to noon, at most a day of slack either way
        assert r.duration_minutes % (24 * 60) == 0
        assert (r.latest_end - r.earliest_start).total_seconds() / 60 <= r.duration_minutes + 2 * 24 * 60
        assert r.requires["tier"] in (1, 2, 3, 4)
    assert generate_hotel(stays=50, rooms=5, days=10, seed=3) == generate_hotel(stays=50, rooms=5, days=10, seed=3)


def test_hotel_plan_is_feasible_and_upgrades_only_upwards():
    problem = generate_hotel(stays=300, rooms=20, days=30, seed=2)
    solution = solve(problem, time_limit=6, workers=2)
    assert first_violation(problem_to_dict(problem), solution_to_dict(solution)) is None
    tier = {a.id: a.capabilities["tier"] for a in problem.assets}
    wanted = {r.id: r.requires["tier"] for r in problem.requests}
    assert all(tier[a.asset] >= wanted[a.request] for a in solution.assignments)
    assert solution.metrics.upper_bound_weighted_hours >= solution.metrics.weighted_served_hours


def test_days_default_keeps_the_old_instances():
    assert generate(50, 10, seed=3) == generate(50, 10, seed=3, days=14)
    longer = generate(50, 10, seed=3, days=28)
    assert longer.horizon.end - longer.horizon.start == 2 * (generate(50, 10, seed=3).horizon.end - longer.horizon.start)
    assert demand_ratio(generate(400, 10, seed=3, days=7)) > demand_ratio(generate(100, 10, seed=3, days=7))


@pytest.mark.parametrize("seed", [1, 2])
def test_best_fit_packings_are_feasible_and_pack_more_than_fcfs_under_overload(seed):
    problem = generate(500, 12, seed=seed, days=3)
    slotted = compile_problem(problem)
    for order in (least_flexible_order(slotted), longest_first(slotted), densest_first(slotted)):
        packed = best_fit(slotted, order)
        solution = _as_solution(slotted, packed)
        assert first_violation(problem_to_dict(problem), solution_to_dict(solution)) is None
    assert objective(slotted, best_fit(slotted, least_flexible_order(slotted)))[0] > objective(slotted, fcfs(slotted))[0]


def test_region_keeps_members_in_their_own_town():
    problem = generate_region(120, 24, 3, seed=1, days=2)
    assert len(problem.requests) == 120 and len(problem.assets) == 24
    assert all(r.max_distance_km is not None for r in problem.requests)
    slotted = compile_problem(problem)
    for job in slotted.jobs:
        town = job.request.id.split("-")[0]
        assert all(problem.assets[o.asset].id.startswith(town + "-") for o in job.options)
    solution = solve(problem, time_limit=3, workers=2)
    assert first_violation(problem_to_dict(problem), solution_to_dict(solution)) is None


def test_whole_day_stays_get_the_compact_day_model_and_stay_feasible():
    problem = generate_hotel(stays=400, rooms=12, days=40, seed=4)
    slotted = compile_problem(problem)
    (sub,) = [s for s in decompose(slotted) if len(s.jobs) == max(len(t.jobs) for t in decompose(slotted))]
    assert time_step(slotted, sub) == 24  # hourly slots, every edge at noon: a day is the step
    start = {j: p for j, p in fcfs(slotted).items() if j in set(sub.jobs)}
    found = improve(slotted, sub, start, iterations=6, seed=1, deterministic=True, seconds_per_solve=0.05)
    assert _sub_value(slotted, found) >= _sub_value(slotted, start)
    plan = {j: p for j, p in fcfs(slotted).items() if j not in set(sub.jobs)}
    plan.update(found)
    assert first_violation(problem_to_dict(problem), solution_to_dict(_as_solution(slotted, plan))) is None



def test_lns_resumes_with_the_windows_its_last_slice_learned():
    _problem, slotted, sub, start = _lns_case(1)
    first = LnsStats()
    found = improve(slotted, sub, start, iterations=4, seed=1, deterministic=True, seconds_per_solve=0.05, stats=first)
    assert first.windows is not None and len(first.windows) == 2
    learned = list(first.windows)
    # a second slice with the same stats starts from those windows: one more neighbourhood of each
    # kind moves each by at most one step (x1.1 + 1 after a proof, x1.5 + 1 when empty, /1.03 otherwise)
    improve(slotted, sub, found, iterations=2, seed=2, deterministic=True, seconds_per_solve=0.05, stats=first)
    for before, after in zip(learned, first.windows):
        assert int(before / 1.03) <= after <= int(before * 1.5) + 1 or after == sub.end - sub.start
    # windows handed in are where the search starts (here far narrower than its own first guess)
    fresh = LnsStats(windows=[8, 8])
    improve(slotted, sub, found, iterations=2, seed=2, deterministic=True, seconds_per_solve=0.05, stats=fresh)
    assert all(w <= int(8 * 1.5) + 1 for w in fresh.windows)  # at most one growth step (x1.5 when empty)
    own = LnsStats()
    improve(slotted, sub, found, iterations=2, seed=2, deterministic=True, seconds_per_solve=0.05, stats=own)
    assert min(own.windows) > int(8 * 1.5) + 1


def test_a_small_overloaded_subproblem_gets_a_second_for_its_whole_model_under_a_short_limit(build, monkeypatch):
    # One car and six requests of 2-4 h in the same morning: overloaded, and small. At a 5 s limit 5% is 0.25 s,
    # too little to prove even this on a busy worker (a split run's parts have such limits); the try gets 1 s.
    import importlib

    solve_module = importlib.import_module("scheduling.solve")  # the package's `solve` is the function

    seen = []
    real = solve_module.solve_subproblem

    def recording(slotted, sub, warm, bound, seconds, workers, deadline=None):
        seen.append(seconds)
        return real(slotted, sub, warm, bound, seconds, workers, deadline)

    monkeypatch.setattr(solve_module, "solve_subproblem", recording)
    data = build.instance([build.asset("a1")],
                          [build.request(f"r{i}", 8 + i % 2, 14, 2 + i % 3, priority=1 + i % 3) for i in range(6)])
    solution = solve(problem_from_dict(data), time_limit=5, workers=2)
    assert seen == [pytest.approx(solve_module.OVERLOADED_WHOLE_MIN_SECONDS)]
    assert first_violation(data, solution_to_dict(solution)) is None


def test_lns_asked_for_hours_only_keeps_every_neighbourhood_to_hours(monkeypatch):
    import importlib

    lns_module = importlib.import_module("scheduling.lns")
    _problem, slotted, sub, start = _lns_case(3)
    asked = []
    model = lns_module._neighbourhood_model

    def recording(state, assets, t0, t1, distance=True, g=1):
        asked.append(distance)
        return model(state, assets, t0, t1, distance, g)

    monkeypatch.setattr(lns_module, "_neighbourhood_model", recording)
    stats = LnsStats()
    improve(slotted, sub, start, iterations=12, seed=3, deterministic=True, seconds_per_solve=0.05, distance=False,
            stats=stats)
    assert stats.improved >= 1  # so later neighbourhoods follow an accepted one
    assert asked and all(d is False for d in asked)
