"""``solve(problem) -> Solution``: the one entry point the app and the CLI call."""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from .bounds import capacity_bound, servable_total
from .cpsat import BUILD_SECONDS_PER_INTERVAL, PROBING_OFF_ABOVE, all_nearest, solve_subproblem
from .decompose import Subproblem, decompose
from .eligibility import geodesic_km
from .flow_bound import flow_bound
from .greedy import (
    Placement,
    best_fit,
    densest_first,
    fcfs,
    least_flexible_first,
    least_flexible_order,
    longest_first,
    objective,
)
from .lagrange_bound import lagrange_prices
from .lagrange_plan import plan_from_prices
from .lns import LnsStats, improve, lookups
from .model import Assignment, Metrics, Problem, Solution
from .slotted import Slotted, compile_problem
from .validation import validate_problem

log = logging.getLogger(__name__)

METHODS = ("cpsat", "greedy")
# Kept back from the time limit for turning placements into a Solution after the last solve
# (mostly one geodesic per assignment for the reported distance: measured 7 s for 45,770 assignments
# on a lightly loaded 2-core machine, so 1.4e-4 s each, and more when the machine is busy).
_RESERVE_SECONDS = 0.2
_RESERVE_PER_REQUEST = 2e-4
# The full CP-SAT models of the subproblems share this part of the time; the rest goes to the flow
# bounds and large-neighbourhood search on what is still open (easy subproblems may use it all).
FULL_MODEL_SHARE = 0.35
# Above this many (request, asset) options a subproblem is not solved whole: the model would need
# gigabytes and CP-SAT barely moves from its hint there; LNS works on it instead.
FULL_MODEL_MAX_OPTIONS = 60_000
SMALL_OPTIONS = 2_000
# An overloaded subproblem of at most SMALL_OPTIONS options gets its whole model for at most this part of the
# time limit: enough to prove a small one outright (a run then ends early), while one that does not prove
# quickly goes on in the search. Given more, the whole model only held on to its hint (measured: a
# 539-request, 2-asset subproblem gained 5 % in 8 s of whole model and 14 % in 60 s of large-neighbourhood
# search, and on "overload 3x" three such subproblems used all 60 s, leaving none for the search).
OVERLOADED_WHOLE_SHARE = 0.05
# ... but never less than this, while the limit allows: a part of a split run gets a fraction of the run's
# limit (30 s in 8 parts on 2 workers: 7.5 s, 5 % of it 0.38 s), which on a busy worker is too little even to
# prove six requests on two assets, and a weight proven without its distance leaves the run "feasible".
OVERLOADED_WHOLE_MIN_SECONDS = 1.0
# The flow bounds (also what tells an overloaded subproblem) stop being computed after this part of the time.
FLOW_BOUND_SHARE = 0.4
# A flow bound is not started with less than this left of that share (one takes up to a second or two
# on a loaded machine, and it cannot be interrupted).
FLOW_BOUND_MIN_SECONDS = 1.0
# The Lagrangian bound of one overloaded subproblem may take this part of the time limit.
LAGRANGE_SHARE = 0.03
# ... and the plans read off its prices (lagrange_plan.py) this part, beyond the plan at the last prices.
LAGRANGE_PLAN_SHARE = 0.02
LNS_ROUND_SECONDS = 3.0
LNS_MIN_SLICE = 0.3
# Each neighbourhood's CP-SAT limit. The windows adapt to it (they grow after a proof, shrink after a time-out),
# so a short limit means many small neighbourhoods: on the overloaded instances that gains far more per second
# than few large ones (bench/README.md). Requests of whole days (a subproblem on a lattice of more than one slot,
# the hotel) keep the longer limit: there the short one gained nothing, and the benchmark process's peak memory
# (the plan's check follows the solve) grew from about 790 to 880-1,000 MB.
LNS_SECONDS_PER_SOLVE = 0.1
LNS_SECONDS_PER_SOLVE_DAYS = 1.0
# LNS first on an open subproblem, then its whole model hinted with the result, then LNS again.
LNS_FIRST_SHARE = 0.5


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
    bounds: dict[int, int] = {}
    sources: dict[int, str] = {}
    for i, sub in enumerate(subs):
        servable, capacity = servable_total(slotted, sub), capacity_bound(slotted, sub)
        bounds[i], sources[i] = (servable, "servable") if servable <= capacity else (capacity, "capacity")
    placement: Placement = {}
    proven = [False] * len(subs)
    if method == "greedy":
        placement = baseline
        for i, sub in enumerate(subs):
            part = _restrict(baseline, sub)
            proven[i] = _warm_proven(slotted, sub, part, bounds[i])
    else:
        log.info("CP-SAT per subproblem: num_workers=%d, random_seed=0, cp_model_probing_level=0 above %d "
                 "intervals, 85%% of each share to stage 1 (weighted hours), the rest to stage 2 (distance)",
                 workers, PROBING_OFF_ABOVE)
        # warm starts: earliest-start greedies (best at moderate load) and best-fit packings (far better
        # under overload, measured); each subproblem keeps whichever is best on it
        lff = least_flexible_first(slotted)
        starts = [baseline, lff, best_fit(slotted, least_flexible_order(slotted)), best_fit(slotted, longest_first(slotted)),
                  best_fit(slotted, densest_first(slotted))]
        warm = []
        for sub in subs:
            warm.append(max((_restrict(p, sub) for p in starts), key=lambda part: _sub_objective(slotted, part)))
        sizes = [sum(len(slotted.jobs[j].options) for j in s.jobs) for s in subs]
        solve_until = deadline - _RESERVE_SECONDS - _RESERVE_PER_REQUEST * len(problem.requests)
        # The flow bound first, on every subproblem the greedy does not settle: where even the flow
        # cannot serve everything, the subproblem is overloaded, and there the full model only
        # follows its hint (measured); large-neighbourhood search does the work instead.
        overloaded = [False] * len(subs)
        bounds_until = time.monotonic() + FLOW_BOUND_SHARE * max(0.0, solve_until - time.monotonic())
        # the widest gaps between the cheap bound and the warm start first: there the bound matters most
        open_gap = {i: bounds[i] - objective(slotted, warm[i])[0] for i in range(len(subs))}
        for i in sorted(range(len(subs)), key=lambda i: (-open_gap[i], i)):
            if _warm_proven(slotted, subs[i], warm[i], bounds[i]) or objective(slotted, warm[i])[0] >= bounds[i]:
                continue
            if bounds_until - time.monotonic() < FLOW_BOUND_MIN_SECONDS:
                break
            found = flow_bound(slotted, subs[i])
            log.debug("sub %d jobs: flow bound %s (was %d, %s)", len(subs[i].jobs), found, bounds[i], sources[i])
            if found is not None and found[0] < bounds[i]:
                bounds[i], sources[i] = found[0], "flow"
            overloaded[i] = bounds[i] < servable_total(slotted, subs[i])
            if overloaded[i]:
                # where jobs compete for time, fitting each whole (not in pieces) tightens the bound
                until = min(bounds_until, time.monotonic() + LAGRANGE_SHARE * time_limit)
                priced = lagrange_prices(slotted, subs[i], objective(slotted, warm[i])[0], until)
                if priced is None:
                    continue
                if priced.bound < bounds[i]:
                    bounds[i], sources[i] = priced.bound, "lagrange"
                # the prices also give a plan, and under overload a better start than the greedies (measured)
                began = time.monotonic()
                plan = plan_from_prices(slotted, subs[i], priced, min(bounds_until, began + LAGRANGE_PLAN_SHARE * time_limit))
                planned, greedy = _sub_objective(slotted, plan), _sub_objective(slotted, warm[i])
                log.debug("sub %d jobs: Lagrangian bound %d, its plan %d (%.2fs), the greedies' best %d", len(subs[i].jobs),
                          priced.bound, planned[0], time.monotonic() - began, greedy[0])
                if planned > greedy:
                    warm[i] = plan
        # small ones get a short try at their whole model even when overloaded: CP-SAT proves many outright
        whole = [i for i in range(len(subs))
                 if sizes[i] <= (SMALL_OPTIONS if overloaded[i] else FULL_MODEL_MAX_OPTIONS)]
        # the full models share the time when LNS has work waiting, else they get it all
        share_of_time = FULL_MODEL_SHARE if len(whole) < len(subs) else 1.0
        full_until = time.monotonic() + share_of_time * max(0.0, solve_until - time.monotonic())
        for i in range(len(subs)):
            if i not in whole:
                placement.update(warm[i])
                proven[i] = _warm_proven(slotted, subs[i], warm[i], bounds[i])
        # small subproblems first: time they do not use flows to the big ones
        order = sorted(whole, key=lambda i: sizes[i])
        remaining_size = sum(sizes[i] for i in whole)
        for i in order:
            sub = subs[i]
            left = (solve_until if sizes[i] <= SMALL_OPTIONS else full_until) - time.monotonic()
            # a small subproblem still gets a fair minimum: it usually needs milliseconds and gives the rest back
            share = min(left, max(left * sizes[i] / max(1, remaining_size), 0.2))
            if overloaded[i]:
                share = min(share, max(OVERLOADED_WHOLE_SHARE * time_limit, OVERLOADED_WHOLE_MIN_SECONDS))
            remaining_size -= sizes[i]
            if share < 0.05:
                placement.update(warm[i])
                proven[i] = _warm_proven(slotted, sub, warm[i], bounds[i])
                continue
            res = solve_subproblem(slotted, sub, warm[i], bounds[i], share, workers, solve_until)
            placement.update(res.placement)
            if res.bound < bounds[i]:
                bounds[i] = res.bound
                sources[i] = "cpsat"
            proven[i] = res.optimal_weight and res.optimal_distance
        _search_open_subproblems(slotted, subs, placement, bounds, sources, proven, sizes, overloaded, solve_until,
                                 workers)
    upper = sum(bounds.values())
    # belt and braces: never return less than the baseline on objective 1
    if objective(slotted, placement)[0] < objective(slotted, baseline)[0]:
        log.warning("scheduling: solver result below baseline; returning the baseline")
        placement = baseline
    status = "optimal" if all(proven) else "feasible"
    return _solution(slotted, placement, status, method, upper, time.monotonic() - t0, _source_summary(sources))


def _warm_proven(slotted: Slotted, sub: Subproblem, part: Placement, bound: int) -> bool:
    w = sum(slotted.jobs[j].weight for j in part)
    return w >= bound and len(part) == len(sub.jobs) and all_nearest(slotted, part)


def _source_summary(sources: dict[int, str]) -> str:
    counts: dict[str, int] = {}
    for name in sources.values():
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _search_open_subproblems(slotted: Slotted, subs: list[Subproblem], placement: Placement, bounds: dict[int, int],
                             sources: dict[int, str], proven: list[bool], sizes: list[int], overloaded: list[bool],
                             until: float, workers: int) -> None:
    """Spend the time left on large-neighbourhood search over the subproblems not yet proven.

    Neighbourhood solves are small, and one CP-SAT worker gains more per second on them than two
    (measured), so with several subproblems open each worker thread searches its own share of them
    with a one-worker solver (CP-SAT releases the GIL while it solves); a single open subproblem gets
    all the workers in one solver.
    """
    open_subs = [i for i in range(len(subs)) if not proven[i] and subs[i].jobs]
    if not open_subs or until - time.monotonic() < LNS_MIN_SLICE:
        return
    gap = {i: bounds[i] - sum(slotted.jobs[j].weight for j in subs[i].jobs if j in placement) for i in open_subs}
    threads = max(1, min(workers, len(open_subs)))
    groups: list[list[int]] = [[] for _ in range(threads)]
    loads = [0] * threads
    for i in sorted(open_subs, key=lambda i: (-max(gap[i], 0), -len(subs[i].jobs), i)):
        k = loads.index(min(loads))  # the least loaded thread takes the next largest gap
        groups[k].append(i)
        loads[k] += max(gap[i], 1)
    solver_workers = max(1, workers // threads)
    parts = {i: _restrict(placement, subs[i]) for i in open_subs}
    memory = {i: LnsStats() for i in open_subs}  # each subproblem's search resumes where its last slice ended
    per_solve = {i: LNS_SECONDS_PER_SOLVE if lookups(slotted, subs[i], memory[i]).step == 1 else LNS_SECONDS_PER_SOLVE_DAYS
                 for i in open_subs}

    def search(group: list[int]) -> None:
        lns_until = time.monotonic() + LNS_FIRST_SHARE * max(0.0, until - time.monotonic())
        lns(group, lns_until)
        # then the whole model of each subproblem that fits, hinted with what the search found: CP-SAT's
        # own search takes it further on a few assets (measured), and its bound may beat the flow's;
        # not where demand exceeds the fleet: there it only returned its hint (measured), and the
        # search below does better with the time
        whole = [i for i in group if not overloaded[i] and sizes[i] <= FULL_MODEL_MAX_OPTIONS and bounds[i] > weight_of(i)]
        remaining = sum(sizes[i] for i in whole)
        for i in sorted(whole, key=lambda i: sizes[i]):
            # building and reading a whole model is Python time no solver limit covers; on a shared
            # machine with the other thread busy it runs several times the estimate, so keep it clear
            # of the deadline (the search below uses the rest)
            whole_until = until - max(1.0, 8 * BUILD_SECONDS_PER_INTERVAL * sizes[i])
            left = whole_until - time.monotonic()
            share = left * sizes[i] / max(1, remaining)
            remaining -= sizes[i]
            if share < 1.0:
                continue
            res = solve_subproblem(slotted, subs[i], parts[i], bounds[i], share, solver_workers, whole_until)
            parts[i] = res.placement
            if res.bound < bounds[i]:
                bounds[i], sources[i] = res.bound, "cpsat"
        lns(group, until)

    def weight_of(i: int) -> int:
        return sum(slotted.jobs[j].weight for j in parts[i])

    def lns(group: list[int], until: float) -> None:
        rounds = 0
        while True:
            gaps = {i: bounds[i] - weight_of(i) for i in group}
            gaps = {i: g for i, g in gaps.items() if g > 0}
            if not gaps or until - time.monotonic() < LNS_MIN_SLICE:
                return
            total = sum(gaps.values())
            for i in sorted(gaps, key=lambda i: (-gaps[i], i)):
                left = until - time.monotonic()
                if left < LNS_MIN_SLICE:
                    return
                # each round gives every open subproblem of the group a slice in proportion to its gap
                share = max(LNS_MIN_SLICE, min(left, LNS_ROUND_SECONDS * gaps[i] / total * len(gaps)))
                parts[i] = improve(slotted, subs[i], parts[i], deadline=time.monotonic() + share,
                                   workers=solver_workers, seed=rounds * len(subs) + i, bound=bounds[i],
                                   seconds_per_solve=per_solve[i], stats=memory[i])
            rounds += 1

    if threads == 1:
        search(groups[0])
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for future in [pool.submit(search, g) for g in groups]:
                future.result()
    for i in open_subs:
        for j in subs[i].jobs:
            placement.pop(j, None)
        placement.update(parts[i])


def _solution(slotted: Slotted, placement: Placement, status: str, method: str, upper_minutes: int, wall: float,
              bound_source: str | None = None) -> Solution:
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
        bound_source=bound_source,
    )
    log.info("scheduling: %s, served %d/%d, weighted hours %.2f of at most %.2f, %.1fs",
             status, metrics.served, metrics.requests, metrics.weighted_served_hours,
             metrics.upper_bound_weighted_hours, wall)
    return Solution(status, method, tuple(assignments), tuple(unserved), metrics)
