"""Plans read off the Lagrangian prices: feasible, within the bound, and a better start than the greedies under overload."""
import time

import pytest

from scheduling import first_violation, problem_from_dict, problem_to_dict, solution_to_dict
from scheduling.decompose import decompose
from scheduling.generate import demand_ratio, generate
from scheduling.greedy import best_fit, densest_first, least_flexible_order, longest_first, objective
from scheduling.lagrange_bound import lagrange_prices
from scheduling.lagrange_plan import plan_at, plan_from_prices
from scheduling.slotted import compile_problem
from scheduling.solve import _solution  # the one place that turns placements into a Solution

FAR = 600.0  # seconds: a deadline these small instances never reach, so the runs are reproducible


def _plans(slotted):
    for sub in decompose(slotted):
        priced = lagrange_prices(slotted, sub, incumbent=0, deadline=time.monotonic() + FAR)
        yield sub, priced, plan_from_prices(slotted, sub, priced, time.monotonic() + FAR)


@pytest.mark.parametrize("seed", [1, 2])
def test_plans_from_prices_are_feasible_within_the_bound_and_beat_the_greedy_packings_under_overload(seed):
    problem = generate(500, 12, seed=seed, days=3)
    assert demand_ratio(problem) > 1.5
    slotted = compile_problem(problem)
    packings = [best_fit(slotted, order) for order in
                (least_flexible_order(slotted), longest_first(slotted), densest_first(slotted))]
    whole, greedy = {}, 0
    for sub, priced, plan in _plans(slotted):
        assert set(plan) <= set(sub.jobs)
        assert objective(slotted, plan)[0] <= priced.bound
        whole.update(plan)
        greedy += max(objective(slotted, {j: p[j] for j in sub.jobs if j in p})[0] for p in packings)
    solution = _solution(slotted, whole, "feasible", "cpsat", 10**9, 0.0)
    assert first_violation(problem_to_dict(problem), solution_to_dict(solution)) is None
    assert objective(slotted, whole)[0] > greedy


def test_the_prices_keep_the_contested_hours_for_what_pays_most_for_them(build):
    # One car. A 4 h request of priority 2 that may run 9-13 only (8 weighted hours, the heaviest single
    # request), and four 1 h requests of priority 3 fixed at 9, 10, 11 and 12 (3 weighted hours each).
    # By weight alone the 4 h one goes first and shuts the others out (8); the prices make those four
    # hours cost more than it pays, so the plan serves the four short ones (12, the bound).
    data = build.instance([build.asset("a1")], [build.request("long", 9, 13, 4, priority=2)]
                          + [build.request(f"short{h}", h, h + 1, 1, priority=3) for h in (9, 10, 11, 12)])
    slotted = compile_problem(problem_from_dict(data))
    ((sub, priced, plan),) = list(_plans(slotted))
    served = {slotted.jobs[j].request.id for j in plan}
    assert served == {"short9", "short10", "short11", "short12"}
    assert objective(slotted, plan)[0] == priced.bound == 4 * 3 * 60
    # at zero prices (weight alone) the heavy request goes first: the prices are what changes the plan
    unpriced = plan_at(slotted, sub, priced, 0 * priced.prices[-1])
    assert {slotted.jobs[j].request.id for j in unpriced} == {"long"}


def test_the_last_prices_give_a_plan_even_past_the_deadline():
    slotted = compile_problem(generate(200, 6, seed=3, days=2))
    sub = max(decompose(slotted), key=lambda s: len(s.jobs))
    priced = lagrange_prices(slotted, sub, incumbent=0, deadline=time.monotonic() + FAR)
    assert len(priced.prices) > 1
    late = plan_from_prices(slotted, sub, priced, deadline=time.monotonic() - 1)
    assert late and late == plan_at(slotted, sub, priced, priced.prices[-1])


def test_solve_starts_overloaded_subproblems_from_the_priced_plan_and_keeps_at_least_it(monkeypatch):
    import importlib

    solve_module = importlib.import_module("scheduling.solve")
    problem = generate(500, 12, seed=1, days=3)
    slotted = compile_problem(problem)
    found = []

    def recording(*args, **kwargs):
        plan = plan_from_prices(*args, **kwargs)
        found.append(objective(slotted, plan)[0])
        return plan

    monkeypatch.setattr(solve_module, "plan_from_prices", recording)
    solution = solve_module.solve(problem, time_limit=5, workers=1)
    assert found, "an overloaded instance prices its subproblems"
    assert solution.metrics.weighted_served_hours * 60 >= sum(found)
