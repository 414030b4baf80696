"""A problem cut into parts that can be solved apart (in separate processes or machines) and their solutions put
back together.

The cut follows `decompose`: no request of one part can touch an asset-time of another, so solving each part to
optimality and taking the union is optimal for the whole. Small subproblems are batched so that there are at most
`parts` parts of about equal size (counted in request-asset options, what the solver's work grows with). Each part
keeps the whole horizon (the same slot grid), every hub, the assets its requests can use and those assets' fixed
bookings. Requests no asset can serve are in no part; the merged solution lists them as unserved.
"""
from __future__ import annotations

from dataclasses import replace

from .decompose import decompose
from .eligibility import geodesic_km
from .model import Metrics, Problem, Solution
from .slotted import compile_problem


def split_problem(problem: Problem, parts: int) -> list[Problem]:
    """At most `parts` independent parts of `problem`; one (the problem itself) when it does not split."""
    slotted = compile_problem(problem)
    subs = decompose(slotted)
    if parts < 2 or len(subs) < 2:
        return [problem]
    sizes = [sum(len(slotted.jobs[j].options) for j in sub.jobs) for sub in subs]
    bins: list[list[int]] = [[] for _ in range(min(parts, len(subs)))]
    loads = [0] * len(bins)
    for i in sorted(range(len(subs)), key=lambda i: (-sizes[i], i)):  # the largest first, to the lightest bin
        k = loads.index(min(loads))
        bins[k].append(i)
        loads[k] += sizes[i]
    cut = []
    for members in bins:
        jobs = sorted(j for i in members for j in subs[i].jobs)
        asset_ids = {problem.assets[a].id for i in members for a in subs[i].assets}
        cut.append(replace(
            problem,
            assets=tuple(a for a in problem.assets if a.id in asset_ids),
            bookings=tuple(b for b in problem.bookings if b.asset in asset_ids),
            requests=tuple(slotted.jobs[j].request for j in jobs)))
    return cut


def merge_solutions(problem: Problem, solutions: list[Solution], wall_seconds: float) -> Solution:
    """One solution of `problem` from the solutions of its parts (`split_problem`): optimal when every part's is,
    its bound the sum of the parts' bounds, its metrics counted again over the whole problem's requests."""
    assignments = sorted((a for s in solutions for a in s.assignments), key=lambda a: (a.start, a.request))
    served = {a.request for a in assignments}
    requests = {r.id: r for r in problem.requests}
    hubs = {h.id: h for h in problem.hubs}
    asset_hub = {a.id: a.hub for a in problem.assets}
    minutes = weighted = 0
    distance = 0.0
    for a in assignments:
        r = requests[a.request]
        minutes += r.duration_minutes
        weighted += r.duration_minutes * r.priority
        if r.location is not None:
            hub = hubs[asset_hub[a.asset]]
            distance += geodesic_km(r.location.lat, r.location.lon, hub.lat, hub.lon)
    bounds = [s.metrics.upper_bound_weighted_hours for s in solutions]
    statuses = {s.status for s in solutions}
    status = "optimal" if statuses <= {"optimal"} else "unknown" if "unknown" in statuses else "feasible"
    metrics = Metrics(
        requests=len(problem.requests), served=len(assignments), served_hours=round(minutes / 60, 4),
        weighted_served_hours=round(weighted / 60, 4),
        upper_bound_weighted_hours=None if None in bounds else round(sum(bounds), 4),
        distance_km=round(distance, 3), wall_seconds=round(wall_seconds, 3),
        bound_source=f"{len(solutions)} parts")
    return Solution(status, solutions[0].method if solutions else "cpsat", tuple(assignments),
                    tuple(r.id for r in problem.requests if r.id not in served), metrics)
