"""Greedy schedulers: the first-come-first-served baseline and the least-flexible-first warm start."""
from __future__ import annotations

import bisect
from typing import Iterable

from .slotted import Job, Slotted, fcfs_order

# job index -> (asset index, start slot)
Placement = dict[int, tuple[int, int]]


class Timeline:
    """The requests already placed on one asset: disjoint half-open slot intervals, sorted."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def earliest_fit(self, ranges: Iterable[tuple[int, int]], d: int) -> int | None:
        """Earliest start in the inclusive ``ranges`` whose ``[t, t+d)`` is free here."""
        starts, ends = self.starts, self.ends
        for lo, hi in ranges:
            t = lo
            i = bisect.bisect_right(ends, t)  # intervals ending at or before t cannot collide
            while t <= hi:
                if i < len(starts) and starts[i] < t + d:
                    t = max(t, ends[i])
                    i += 1
                else:
                    return t
        return None

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def place_in_order(slotted: Slotted, order: Iterable[Job], placement: Placement | None = None) -> Placement:
    """Place each job on its nearest asset that fits, at the earliest start that fits."""
    timelines = [Timeline() for _ in slotted.problem.assets]
    placement = dict(placement or {})
    for j, (a, t) in placement.items():
        timelines[a].add(t, t + slotted.jobs[j].d)
    for job in order:
        if job.index in placement:
            continue
        for opt in job.options:
            t = timelines[opt.asset].earliest_fit(opt.starts, job.d)
            if t is not None:
                placement[job.index] = (opt.asset, t)
                timelines[opt.asset].add(t, t + job.d)
                break
    return placement


def fcfs(slotted: Slotted) -> Placement:
    """What every booking calendar does: by ``created_at``, nearest eligible asset, earliest start."""
    return place_in_order(slotted, fcfs_order(slotted))


def flexibility(job: Job) -> int:
    """Eligible asset x start combinations: the fewer, the sooner a greedy must place the job."""
    return sum(o.n_starts for o in job.options)


def least_flexible_order(slotted: Slotted) -> list[Job]:
    return sorted(
        (j for j in slotted.jobs if j.options),
        key=lambda j: (flexibility(j) / j.weight, -j.weight, j.request.id),
    )


def least_flexible_first(slotted: Slotted) -> Placement:
    return place_in_order(slotted, least_flexible_order(slotted))


def objective(slotted: Slotted, placement: Placement) -> tuple[int, int]:
    """(weighted served minutes, distance in 10 m units): maximise the first, then minimise the second."""
    weight = 0
    dist = 0
    for j, (a, _t) in placement.items():
        job = slotted.jobs[j]
        weight += job.weight
        dist += next(o.distance_units for o in job.options if o.asset == a)
    return weight, dist


def better(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Lexicographic: more weighted minutes, then less distance."""
    return (a[0], -a[1]) > (b[0], -b[1])


def _gaps(timeline: Timeline, lo: int, hi: int, n_slots: int) -> Iterable[tuple[int, int]]:
    """Free gaps ``[g0, g1)`` of the timeline that meet ``[lo, hi)``."""
    starts, ends = timeline.starts, timeline.ends
    i = bisect.bisect_right(ends, lo)
    g0 = ends[i - 1] if i > 0 else 0
    while g0 < hi:
        g1 = starts[i] if i < len(starts) else n_slots
        if g1 > g0:
            yield g0, g1
        if i >= len(starts):
            return
        g0 = ends[i]
        i += 1


def best_fit(slotted: Slotted, order: Iterable[Job]) -> Placement:
    """Place each job where it leaves the least free time unusable: the tightest free gap (blocks and
    jobs placed so far bound the gaps) on any of its assets, against an edge of that gap; ties go to
    the nearer asset. Under overload this packs far better than the earliest start."""
    n_slots = slotted.grid.n_slots
    timelines = [Timeline() for _ in slotted.problem.assets]
    for a, blocked in enumerate(slotted.blocked):
        for s, e in blocked:
            timelines[a].add(s, e)
    placement: Placement = {}
    for job in order:
        d = job.d
        best = None
        for rank, opt in enumerate(job.options):
            tl = timelines[opt.asset]
            for lo, hi in opt.starts:
                for g0, g1 in _gaps(tl, lo, hi + d, n_slots):
                    t_min, t_max = max(lo, g0), min(hi, g1 - d)
                    if t_min > t_max:
                        continue
                    slack = g1 - g0 - d
                    for t in (t_min, t_max):
                        edge = min(t - g0, g1 - t - d)
                        key = (slack, edge, rank, t)
                        if best is None or key < best[0]:
                            best = (key, opt.asset, t)
        if best is not None:
            _key, a, t = best
            placement[job.index] = (a, t)
            timelines[a].add(t, t + d)
    return placement


def longest_first(slotted: Slotted) -> list[Job]:
    """The heaviest jobs first (ties: earliest window end): under overload they leave the fewest scraps."""
    return sorted((j for j in slotted.jobs if j.options), key=lambda j: (-j.weight, j.le, j.request.id))


def densest_first(slotted: Slotted) -> list[Job]:
    """The most weight per slot first (priority, in effect), then the heaviest: under heavy overload an
    hour of a priority-3 request is worth three of priority 1, and this packs them first (measured)."""
    return sorted((j for j in slotted.jobs if j.options),
                  key=lambda j: (-(j.weight / j.d), -j.weight, j.le, j.request.id))
