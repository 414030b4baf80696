"""Fleet planning on one instance: how many assets the demand needed, what to buy next, what to retire or move.

Pure Python over `solve`: every figure is the same CP-SAT solve run before and after a change to the fleet,
so a recommendation comes with its evidence (weighted served hours before and after), never a greedy guess.

Demand: the instance's requests, plus its fixed bookings turned into fixed-time requests pinned to the hub of
the booked asset (location = the hub, max_distance_km = 0) that require the booked asset's type and
capabilities (numbers at least as large, the same booleans and strings): any asset of that type at least as
capable at that hub would have done; a band saw's booking is never served by a lathe. A booking is recorded demand at that hub, not a claim on that one asset, so removing or
moving an asset re-places its bookings on what is left.

Categories never share an asset, so each is planned on its own sub-instance (all hubs kept). Per category:

(a) Fewest assets. Fixed-time demand (window == duration) with interchangeable assets (every asset meets
    every request's type and requirements, no blackouts, no opening hours, at most one hub it may use): the overlap sweep, the
    largest number of requests running at once, is exact. Otherwise the solver: assets are ranked by the
    weighted hours the full fleet's plan gives them (most used first) and a binary search finds the
    smallest prefix that still serves what the whole fleet serves. Nested prefixes can only serve more as
    they grow, so the search is sound; it is the minimum among such prefixes, stated as such. The same
    search runs per hub, with the other hubs' assets kept.
(b) Next acquisition. Candidates: a clone of each distinct asset (type and capabilities) of the category at each
    hub (opening hours copied from an asset already at that hub). Each is solved with the same solve as
    the fleet without it; the gain is the difference. A category whose fleet already serves every request
    cannot gain: its candidates are reported with gain 0 and no solve.
(c) Retire and move. Retiring an asset: solve without it. An asset that the fleet's plan leaves idle goes at
    zero loss without a solve (the same plan stands). Moving an asset to another hub: solve with its hub
    changed; only in categories with unserved requests (elsewhere a move cannot gain).

Time: `time_limit` bounds the whole plan. The base solve of a category gets a larger share; every other
solve gets the time left divided by the solves still planned (at least MIN_SOLVE_SECONDS). When the time
is up the remaining candidates are listed as not evaluated; nothing is guessed for them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from .capabilities import capabilities_hold, normalise_text, type_matches
from .eligibility import geodesic_km
from .model import Asset, Interval, Location, Problem, Request, Solution
from .solve import solve

MIN_SOLVE_SECONDS = 0.2
_ANY = object()  # "any type" in a per-type count
BASE_SHARE = 10.0  # the base solve of a category counts as this many ordinary solves
EPS = 1e-6


class _Clock:
    def __init__(self, time_limit: float, planned: int):
        self.deadline = time.monotonic() + time_limit
        self.planned = max(1, planned)
        self.solves = 0

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def share(self, weight: float = 1.0) -> float | None:
        """Seconds for the next solve, or None when the time is up."""
        left = self.left()
        if left < MIN_SOLVE_SECONDS:
            return None
        remaining = max(1.0, self.planned - self.solves)
        return min(left, max(MIN_SOLVE_SECONDS, left * weight / remaining))

    def done(self, weight: float = 1.0) -> None:
        self.solves += weight


@dataclass(frozen=True)
class Outcome:
    status: str
    served: int
    requests: int
    weighted_served_hours: float
    upper_bound_weighted_hours: float | None
    by_asset: dict[str, float]  # weighted hours per asset in this plan

    def evidence(self) -> dict:
        return {"status": self.status, "served": self.served, "requests": self.requests,
                "weighted_served_hours": self.weighted_served_hours,
                "upper_bound_weighted_hours": self.upper_bound_weighted_hours}


def _outcome(problem: Problem, solution: Solution) -> Outcome:
    weight = {r.id: r.priority * r.duration_minutes for r in problem.requests}
    by_asset: dict[str, float] = {a.id: 0.0 for a in problem.assets}
    for a in solution.assignments:
        by_asset[a.asset] = by_asset.get(a.asset, 0.0) + weight[a.request] / 60
    m = solution.metrics
    return Outcome(solution.status, m.served, m.requests, m.weighted_served_hours, m.upper_bound_weighted_hours,
                   {k: round(v, 4) for k, v in by_asset.items()})


class _Solver:
    def __init__(self, clock: _Clock, workers: int):
        self.clock, self.workers = clock, workers

    def run(self, problem: Problem, weight: float = 1.0) -> Outcome | None:
        if not problem.requests:
            self.clock.done(weight)
            return Outcome("optimal", 0, 0, 0.0, 0.0, {a.id: 0.0 for a in problem.assets})
        share = self.clock.share(weight)
        if share is None:
            return None
        solution = solve(problem, time_limit=share, workers=self.workers, method="cpsat")
        self.clock.done(weight)
        return _outcome(problem, solution)


# --- demand ---------------------------------------------------------------------------------------------------

def demand_problem(problem: Problem) -> Problem:
    """The instance with every fixed booking turned into a fixed-time request pinned to its asset's hub."""
    if not problem.bookings:
        return problem
    assets = {a.id: a for a in problem.assets}
    hubs = {h.id: h for h in problem.hubs}
    pinned = []
    for b in problem.bookings:
        asset = assets[b.asset]
        hub = hubs[asset.hub]
        minutes = int((b.end - b.start).total_seconds() // 60)
        if minutes <= 0:
            continue
        pinned.append(Request(id=f"booking:{b.id}", member=f"booking:{b.id}", category=asset.category,
                              requires=dict(asset.capabilities), earliest_start=b.start,
                              types=(asset.type,) if asset.type else (),
                              latest_end=b.start + timedelta(minutes=minutes), duration_minutes=minutes,
                              location=Location(hub.lat, hub.lon), max_distance_km=0.0, created_at=b.start))
    return replace(problem, requests=problem.requests + tuple(pinned), bookings=())


def _is_fixed(r: Request) -> bool:
    return r.latest_end - r.earliest_start == timedelta(minutes=r.duration_minutes)


def _reachable_hubs(problem: Problem, r: Request) -> list[str]:
    if r.location is None or r.max_distance_km is None:
        return [h.id for h in problem.hubs]
    return [h.id for h in problem.hubs
            if geodesic_km(r.location.lat, r.location.lon, h.lat, h.lon) <= r.max_distance_km + 1e-9]


def peak_concurrency(intervals: list[tuple[Any, Any]]) -> int:
    """The largest number of half-open intervals that overlap at one instant (the overlap sweep)."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    peak = current = 0
    for _, step in events:  # ends sort before starts at the same instant: back to back does not overlap
        current += step
        peak = max(peak, current)
    return peak


def _sub(problem: Problem, category: str) -> Problem:
    return replace(problem, assets=tuple(a for a in problem.assets if a.category == category),
                   requests=tuple(r for r in problem.requests if r.category == category), bookings=())


def _without(problem: Problem, asset_ids: set[str]) -> Problem:
    return replace(problem, assets=tuple(a for a in problem.assets if a.id not in asset_ids))


def _open_at(problem: Problem, hub: str) -> tuple[Interval, ...] | None:
    for a in problem.assets:
        if a.hub == hub:
            return a.open
    return None


def _with_asset(problem: Problem, asset: Asset) -> Problem:
    return replace(problem, assets=problem.assets + (asset,))


# --- (a) the fewest assets -------------------------------------------------------------------------------------

def _sweep_groups(sub: Problem, requests: list[Request]) -> dict[str, str | None] | None:
    """Per request, the one asset type whose assets are interchangeable for it, or None when the sweep does
    not apply: every request fixed-time, the assets it may use all of one type and all meeting its
    requirements, no blackouts or opening hours, at most one hub it may use."""
    if any(a.blackouts or a.open is not None for a in sub.assets):
        return None
    groups: dict[str, str | None] = {}
    for r in requests:
        if not _is_fixed(r) or len(_reachable_hubs(sub, r)) > 1:
            return None
        usable = [a for a in sub.assets if type_matches(r.types, a.type)]
        kinds = {_type_key(a) for a in usable}
        if len(kinds) > 1 or not all(capabilities_hold(r.requires, a.capabilities) for a in usable):
            return None
        groups[r.id] = next(iter(kinds), None)
    return groups


def _prefix_search(solver: _Solver, sub: Problem, ranked: list[str], keep: set[str], target: float,
                   full: Outcome) -> tuple[int | None, list[dict]]:
    """Smallest k such that the first k of `ranked` (plus `keep`) still serve `target` weighted hours."""
    evidence = [{"assets": len(ranked), **full.evidence()}]
    lo, hi = 0, len(ranked)  # hi always serves the target
    if target <= EPS:
        lo = hi = 0
    while lo < hi:
        mid = (lo + hi) // 2
        kept = set(ranked[:mid]) | keep
        out = solver.run(replace(sub, assets=tuple(a for a in sub.assets if a.id in kept)))
        if out is None:
            return None, evidence
        evidence.append({"assets": mid, **out.evidence()})
        if out.weighted_served_hours >= target - EPS:
            hi = mid
        else:
            lo = mid + 1
    return hi, sorted(evidence, key=lambda e: e["assets"])


def _fewest(solver: _Solver, sub: Problem, base: Outcome) -> dict:
    requests = list(sub.requests)
    peak = peak_concurrency([(r.earliest_start, r.latest_end) for r in requests if _is_fixed(r)])
    ranked = sorted((a.id for a in sub.assets), key=lambda i: (-base.by_asset.get(i, 0.0), i))
    hub_of = {a.id: a.hub for a in sub.assets}
    hubs = sorted(set(hub_of.values()))
    reach = {r.id: _reachable_hubs(sub, r) for r in requests}
    groups = _sweep_groups(sub, requests) if requests and base.served == base.requests else None
    sweep = groups is not None
    kinds = sorted({_type_key(a) for a in sub.assets}, key=lambda k: (k is not None, k or ""))

    def peak_at(hub: str, kind: str | None | object = _ANY) -> int:
        return peak_concurrency([(r.earliest_start, r.latest_end) for r in requests
                                 if _is_fixed(r) and reach[r.id] == [hub]
                                 and (kind is _ANY or (groups or {}).get(r.id) == kind)])

    hub_peak = {h: peak_at(h) for h in hubs}
    result: dict[str, Any] = {"fleet": len(sub.assets), "fixed_time_peak": peak,
                              "serves_all": base.served == base.requests}
    by_hub = []
    keep: list[str] = []
    type_of = {a.id: _type_key(a) for a in sub.assets}
    for hub in hubs:
        here = [i for i in ranked if hub_of[i] == hub]
        row: dict[str, Any] = {"hub": hub, "fleet": len(here), "fixed_time_peak": hub_peak[hub]}
        if sweep:
            # every request can use one hub only and the assets of its type are interchangeable: each hub
            # needs, per type, exactly as many assets as its largest number of requests for that type at once
            needed_here = 0
            for kind in kinds:
                of_kind = [i for i in here if type_of[i] == kind]
                n = peak_at(hub, kind)
                needed_here += n
                keep += of_kind[:n]
            row.update(needed=needed_here, method="sweep", exact=True)
        else:
            others = {a.id for a in sub.assets if a.hub != hub}
            needed_here, evidence = _prefix_search(solver, sub, here, others, base.weighted_served_hours, base)
            row.update(needed=needed_here, method="solver", exact=False, evidence=evidence)
        by_hub.append(row)
    if sweep:
        result.update(method="sweep", needed=len(keep), exact=True, keep=keep,
                      surplus=[i for i in ranked if i not in keep],
                      evidence=[{"assets": len(sub.assets), **base.evidence()}])
    else:
        needed, evidence = _prefix_search(solver, sub, ranked, set(), base.weighted_served_hours, base)
        result.update(method="solver", needed=needed, exact=False,
                      keep=ranked[:needed] if needed is not None else [],
                      surplus=ranked[needed:] if needed is not None else [], evidence=evidence)
        if needed is None:
            result["note"] = "time limit reached before the search finished"
    result["by_hub"] = by_hub
    return result


# --- the plan --------------------------------------------------------------------------------------------------

def _asset_types(sub: Problem) -> list[Asset]:
    seen, out = set(), []
    for a in sub.assets:
        key = (_type_key(a), tuple(sorted((k, repr(v)) for k, v in a.capabilities.items())))
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _type_key(a: Asset) -> str | None:
    return normalise_text(a.type) if a.type else None


def _dominated(candidate: Asset, others: list[Asset]) -> bool:
    """An asset whose every capability another of the same type has at least as well: it can never serve more."""
    return False if not candidate.capabilities else any(
        o is not candidate and _type_key(o) == _type_key(candidate)
        and capabilities_hold(candidate.capabilities, o.capabilities)
        and not capabilities_hold(o.capabilities, candidate.capabilities) for o in others)


def plan(problem: Problem, time_limit: float = 60.0, workers: int = 2) -> dict:
    """The planning report for an instance (see the module docstring); a JSON-ready dict."""
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    t0 = time.monotonic()
    demand = demand_problem(problem)
    categories = sorted({a.category for a in demand.assets} | {r.category for r in demand.requests})
    hubs = [h.id for h in demand.hubs]
    subs = {c: _sub(demand, c) for c in categories}
    # a rough count of the solves to come, so that each gets a fair share of the time limit
    planned = 0.0
    for sub in subs.values():
        n = len(sub.assets)
        planned += BASE_SHARE + 2 * max(1, n).bit_length() + n + len(_asset_types(sub)) * len(hubs) + n * (len(hubs) - 1)
    clock = _Clock(time_limit, int(planned))
    solver = _Solver(clock, workers)
    out_categories, acquisitions, retirements, moves = [], [], [], []
    not_evaluated = 0
    for c in categories:
        sub = subs[c]
        requests = sub.requests
        demand_row = {"requests": len(requests),
                      "hours": round(sum(r.duration_minutes for r in requests) / 60, 4),
                      "weighted_hours": round(sum(r.duration_minutes * r.priority for r in requests) / 60, 4),
                      "fixed_time": sum(1 for r in requests if _is_fixed(r)),
                      "from_bookings": sum(1 for r in requests if r.id.startswith("booking:"))}
        base = solver.run(sub, BASE_SHARE)
        if base is None:
            out_categories.append({"category": c, "assets": len(sub.assets), "demand": demand_row, "base": None,
                                   "note": "not evaluated: time limit reached"})
            not_evaluated += 1
            continue
        unserved = base.served < base.requests
        if not unserved:  # its acquisitions and moves need no solve: give their planned share back
            clock.planned -= len(_asset_types(sub)) * len(hubs) + len(sub.assets) * (len(hubs) - 1)
        entry = {"category": c, "assets": len(sub.assets), "demand": demand_row, "base": base.evidence(),
                 "asset_hours": base.by_asset}
        entry["fewest"] = _fewest(solver, sub, base) if sub.assets else None
        out_categories.append(entry)
        # (b) acquisitions
        types = [t for t in _asset_types(sub) if not _dominated(t, _asset_types(sub))]
        for template in types:
            for hub in hubs:
                clone = Asset(id=f"new:{c}:{hub}:{template.id}", category=c, hub=hub,
                              capabilities=dict(template.capabilities), open=_open_at(sub, hub), type=template.type)
                item = {"category": c, "hub": hub, "template": template.id, "type": template.type,
                        "capabilities": dict(template.capabilities), "before": base.evidence()}
                if not unserved:
                    item.update(after=base.evidence(), gain_weighted_hours=0.0, evaluated="no unserved demand")
                else:
                    after = solver.run(_with_asset(sub, clone))
                    if after is None:
                        not_evaluated += 1
                        item.update(after=None, gain_weighted_hours=None, evaluated="not evaluated: time limit")
                    else:
                        item.update(after=after.evidence(), evaluated="solve",
                                    gain_weighted_hours=round(after.weighted_served_hours
                                                              - base.weighted_served_hours, 4))
                acquisitions.append(item)
        # (c) retire and move
        for asset in sub.assets:
            item = {"asset": asset.id, "category": c, "hub": asset.hub, "before": base.evidence()}
            if base.by_asset.get(asset.id, 0.0) <= EPS:
                item.update(after=base.evidence(), loss_weighted_hours=0.0, evaluated="idle in the plan")
            else:
                after = solver.run(_without(sub, {asset.id}))
                if after is None:
                    not_evaluated += 1
                    item.update(after=None, loss_weighted_hours=None, evaluated="not evaluated: time limit")
                else:
                    item.update(after=after.evidence(), evaluated="solve",
                                loss_weighted_hours=round(base.weighted_served_hours - after.weighted_served_hours, 4))
            retirements.append(item)
            if not unserved:
                continue
            for hub in hubs:
                if hub == asset.hub:
                    continue
                moved = replace(asset, hub=hub, open=_open_at(sub, hub), blackouts=asset.blackouts)
                after = solver.run(replace(sub, assets=tuple(moved if a.id == asset.id else a for a in sub.assets)))
                move = {"asset": asset.id, "category": c, "from": asset.hub, "to": hub, "before": base.evidence()}
                if after is None:
                    not_evaluated += 1
                    move.update(after=None, gain_weighted_hours=None, evaluated="not evaluated: time limit")
                else:
                    move.update(after=after.evidence(), evaluated="solve",
                                gain_weighted_hours=round(after.weighted_served_hours - base.weighted_served_hours, 4))
                moves.append(move)
    gained = [a for a in acquisitions if (a["gain_weighted_hours"] or 0) > EPS]
    gained.sort(key=lambda a: (-a["gain_weighted_hours"], a["category"], a["hub"], a["template"]))
    retire_order = sorted((r for r in retirements if r["loss_weighted_hours"] is not None),
                          key=lambda r: (r["loss_weighted_hours"], r["category"], r["asset"]))
    good_moves = sorted((m for m in moves if (m["gain_weighted_hours"] or 0) > EPS),
                        key=lambda m: (-m["gain_weighted_hours"], m["asset"], m["to"]))
    return {
        "version": 1,
        "time_limit_seconds": time_limit,
        "wall_seconds": round(time.monotonic() - t0, 3),
        "solves": int(clock.solves),
        "horizon": {"start": problem.horizon.start.isoformat(), "end": problem.horizon.end.isoformat()},
        "categories": out_categories,
        "best_acquisition": gained[0] if gained else None,
        "acquisitions": sorted(acquisitions, key=lambda a: (-(a["gain_weighted_hours"] or 0), a["category"],
                                                            a["hub"], a["template"])),
        "retirements": retire_order + [r for r in retirements if r["loss_weighted_hours"] is None],
        "moves": good_moves,
        "moves_evaluated": len(moves),
        "not_evaluated": not_evaluated,
    }
