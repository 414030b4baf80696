"""A Problem compiled onto the slot grid: jobs (requests), their eligible options, blocked times."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .eligibility import (
    Option,
    asset_matches,
    blocked_slots,
    eligible_assets_by_category,
    feasible_start_ranges,
    haversine_km,
    intersect_ranges,
    open_start_ranges,
    within_distance,
)
from .grid import Grid
from .model import Problem, Request


@dataclass(frozen=True)
class Job:
    index: int
    request: Request
    es: int  # first allowed start slot (window start rounded up, clipped to the horizon)
    le: int  # window end slot (rounded down, clipped)
    d: int  # occupied slots (duration rounded up)
    weight: int  # priority x duration minutes: objective 1 in integer units
    options: tuple[Option, ...]  # sorted nearest first

    @property
    def servable(self) -> bool:
        return bool(self.options)


@dataclass(frozen=True)
class Slotted:
    problem: Problem
    grid: Grid
    jobs: tuple[Job, ...]
    blocked: tuple[tuple[tuple[int, int], ...], ...]  # per asset index


def _fcfs_key(job: Job) -> tuple:
    created = job.request.created_at
    return (created is None, created or datetime.min, job.request.id)


def compile_problem(problem: Problem) -> Slotted:
    grid = Grid.for_horizon(problem.horizon.start, problem.horizon.end, problem.slot_minutes)
    blocked_by_id = blocked_slots(problem, grid)
    blocked = [blocked_by_id[a.id] for a in problem.assets]
    ends = [[e for _, e in b] for b in blocked]
    hubs = {h.id: h for h in problem.hubs}
    by_category = eligible_assets_by_category(problem)
    match_cache: dict[tuple, list[int]] = {}
    # opening hours as allowed start slots, per (opening hours, duration): assets of one hub share them
    open_cache: dict[tuple, list[tuple[int, int]]] = {}
    dist_cache: dict[tuple, float] = {}
    jobs = []
    for idx, r in enumerate(problem.requests):
        es = max(0, grid.slot_up(r.earliest_start))
        le = min(grid.n_slots, grid.slot_down(r.latest_end))
        d = grid.slots_for_minutes(r.duration_minutes)
        options: list[Option] = []
        if le - es >= d:
            key = (r.category, tuple(sorted((k, type(v).__name__, v) for k, v in r.requires.items())), r.types)
            matching = match_cache.get(key)
            if matching is None:
                matching = [i for i in by_category.get(r.category, []) if asset_matches(r, problem.assets[i])]
                match_cache[key] = matching
            for ai in matching:
                asset = problem.assets[ai]
                hub = hubs[asset.hub]
                if r.location is None:
                    km = 0.0
                else:
                    dkey = (r.location.lat, r.location.lon, hub.id)
                    km = dist_cache.get(dkey)
                    if km is None:
                        km = haversine_km(r.location.lat, r.location.lon, hub.lat, hub.lon)
                        dist_cache[dkey] = km
                if not within_distance(r, hub.lat, hub.lon, km):
                    continue
                starts = feasible_start_ranges(blocked[ai], ends[ai], es, le, d)
                if asset.open is not None and starts:
                    okey = (tuple(asset.open), r.duration_minutes)
                    allowed = open_cache.get(okey)
                    if allowed is None:
                        allowed = open_cache[okey] = open_start_ranges(grid, asset.open, r.duration_minutes)
                    starts = intersect_ranges(starts, allowed)
                if not starts:
                    continue
                n = sum(hi - lo + 1 for lo, hi in starts)
                options.append(Option(ai, km, int(round(km * 100)), tuple(starts), n))
            options.sort(key=lambda o: (o.distance_units, o.asset))
        jobs.append(Job(idx, r, es, le, d, r.priority * r.duration_minutes, tuple(options)))
    return Slotted(problem, grid, tuple(jobs), tuple(tuple(b) for b in blocked))


def fcfs_order(slotted: Slotted) -> list[Job]:
    """First come, first served: by ``created_at`` (missing last), ties by request id."""
    return sorted(slotted.jobs, key=_fcfs_key)
