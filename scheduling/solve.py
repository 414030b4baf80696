"""``solve(problem) -> Solution``: the one entry point the app and the CLI call."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from .bounds import static_bound
from .cpsat import PROBING_OFF_ABOVE, all_nearest, solve_subproblem
from .decompose import Subproblem, decompose
from .eligibility import geodesic_km
from .greedy import Placement, fcfs, least_flexible_first, objective
from .model import Assignment, Metrics, Problem, Solution
from .slotted import Slotted, compile_problem
from .validation import validate_problem

log = logging.getLogger(__name__)

METHODS = ("cpsat", "greedy")
# Kept back from the time limit for turning placements into a Solution after the last solve
# (mostly one geodesic per assignment for the reported distance).
_RESERVE_SECONDS = 0.2
_RESERVE_PER_REQUEST = 1e-4


def _restrict(placement: Placement, sub: Subproblem) -> Placement:
    return {j: placement[j] for j in sub.jobs if j in placement}


def _sub_objective(slotted: Slotted, placement: Placement) -> tuple[int, int]:
    w, d = objective(slotted, placement)
    return w, -d


def solve(problem: Problem, time_limit: float = 30.0, workers: int = 2, method: str = "cpsat") -> Solution:
    """Assign requests to assets and starts; honours ``time_limit`` and is never worse than greedy.

    Raises ``InstanceError`` for a malformed problem. A request whose category no asset has is left
    unserved here (the JSON contract refuses it instead).
    """
    t0 = time.monotonic()
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError("workers must be an integer >= 1")
    deadline = t0 + time_limit
    validate_problem(problem, strict=False)
    slotted = compile_problem(problem)
    baseline = fcfs(slotted)
    subs = decompose(slotted)
    log.info("scheduling: %d requests, %d assets, %d subproblems, method %s, time limit %.1fs, %d workers",
             len(problem.requests), len(problem.assets), len(subs), method, time_limit, workers)
    bounds = {i: static_bound(slotted, s) for i, s in enumerate(subs)}
    placement: Placement = {}
    proven = [False] * len(subs)
    if method == "greedy":
        placement = baseline
        for i, sub in enumerate(subs):
            part = _restrict(baseline, sub)
            w = sum(slotted.jobs[j].weight for j in part)
            proven[i] = w >= bounds[i] and len(part) == len(sub.jobs) and all_nearest(slotted, part)
    else:
        log.info("CP-SAT per subproblem: num_workers=%d, random_seed=0, cp_model_probing_level=0 above %d "
                 "intervals, 85%% of each share to stage 1 (weighted hours), the rest to stage 2 (distance)",
                 workers, PROBING_OFF_ABOVE)
        lff = least_flexible_first(slotted)
        warm = []
        for sub in subs:
            a, b = _restrict(baseline, sub), _restrict(lff, sub)
            warm.append(b if _sub_objective(slotted, b) > _sub_objective(slotted, a) else a)
        sizes = [sum(len(slotted.jobs[j].options) for j in s.jobs) for s in subs]
        # small subproblems first: time they do not use flows to the big ones
        order = sorted(range(len(subs)), key=lambda i: sizes[i])
        remaining_size = sum(sizes)
        solve_until = deadline - _RESERVE_SECONDS - _RESERVE_PER_REQUEST * len(problem.requests)
        for i in order:
            sub = subs[i]
            left = solve_until - time.monotonic()
            # a small subproblem still gets a fair minimum: it usually needs milliseconds and gives the rest back
            share = min(left, max(left * sizes[i] / max(1, remaining_size), 0.2))
            remaining_size -= sizes[i]
            if share < 0.05:
                placement.update(warm[i])
                w = sum(slotted.jobs[j].weight for j in warm[i])
                proven[i] = w >= bounds[i] and len(warm[i]) == len(sub.jobs) and all_nearest(slotted, warm[i])
                continue
            res = solve_subproblem(slotted, sub, warm[i], bounds[i], share, workers, solve_until)
            placement.update(res.placement)
            bounds[i] = res.bound
            proven[i] = res.optimal_weight and res.optimal_distance
    upper = sum(bounds.values())
    # belt and braces: never return less than the baseline on objective 1
    if objective(slotted, placement)[0] < objective(slotted, baseline)[0]:
        log.warning("scheduling: solver result below baseline; returning the baseline")
        placement = baseline
    status = "optimal" if all(proven) else "feasible"
    return _solution(slotted, placement, status, method, upper, time.monotonic() - t0)


def _solution(slotted: Slotted, placement: Placement, status: str, method: str, upper_minutes: int, wall: float) -> Solution:
    problem, grid = slotted.problem, slotted.grid
    hubs = {h.id: h for h in problem.hubs}
    assignments = []
    unserved = []
    served_minutes = weighted_minutes = 0
    distance = 0.0
    for job in slotted.jobs:
        placed = placement.get(job.index)
        r = job.request
        if placed is None:
            unserved.append(r.id)
            continue
        a, t = placed
        asset = problem.assets[a]
        start = grid.at(t)
        assignments.append(Assignment(r.id, asset.id, start, start + timedelta(minutes=r.duration_minutes)))
        served_minutes += r.duration_minutes
        weighted_minutes += job.weight
        if r.location is not None:
            hub = hubs[asset.hub]
            distance += geodesic_km(r.location.lat, r.location.lon, hub.lat, hub.lon)
    metrics = Metrics(
        requests=len(slotted.jobs),
        served=len(assignments),
        served_hours=round(served_minutes / 60, 4),
        weighted_served_hours=round(weighted_minutes / 60, 4),
        # rounded up, in exact integer arithmetic, so the printed bound stays a true bound
        upper_bound_weighted_hours=-(-upper_minutes * 10_000 // 60) / 10_000,
        distance_km=round(distance, 3),
        wall_seconds=round(wall, 3),
    )
    log.info("scheduling: %s, served %d/%d, weighted hours %.2f of at most %.2f, %.1fs",
             status, metrics.served, metrics.requests, metrics.weighted_served_hours,
             metrics.upper_bound_weighted_hours, wall)
    return Solution(status, method, tuple(assignments), tuple(unserved), metrics)
