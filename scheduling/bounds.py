"""Upper bounds on objective 1 (weighted served minutes) that need no solver.

Both are true bounds for one subproblem: every job served is servable (first bound) and occupies
``d`` free slots of one of its assets inside what one of that asset's start ranges for the job can
reach (second bound, a fractional knapsack over the free asset-time, ignoring which asset is which).
"""
from __future__ import annotations

from .decompose import Subproblem
from .eligibility import merge_intervals
from .slotted import Slotted


def servable_total(slotted: Slotted, sub: Subproblem) -> int:
    return sum(slotted.jobs[j].weight for j in sub.jobs)


def _free_slots(spans: list[tuple[int, int]], blocked: tuple[tuple[int, int], ...]) -> int:
    total = 0
    for s, e in merge_intervals(spans):
        total += e - s
        for bs, be in blocked:
            lo, hi = max(s, bs), min(e, be)
            if hi > lo:
                total -= hi - lo
    return total


def capacity_bound(slotted: Slotted, sub: Subproblem) -> int:
    """Fractional knapsack of job weights into the free asset-slots the jobs could use."""
    spans_by_asset: dict[int, list[tuple[int, int]]] = {}
    for j in sub.jobs:
        job = slotted.jobs[j]
        for o in job.options:
            # on this asset the job can only occupy [lo, hi + d) for one of its own start ranges
            # (window, blocks and opening hours applied): tighter than the job's whole span, still true
            spans_by_asset.setdefault(o.asset, []).extend((lo, hi + job.d) for lo, hi in o.starts)
    capacity = sum(_free_slots(spans, slotted.blocked[a]) for a, spans in spans_by_asset.items())
    items = sorted((slotted.jobs[j] for j in sub.jobs), key=lambda job: job.weight / job.d, reverse=True)
    value = 0.0
    for job in items:
        if capacity <= 0:
            break
        take = min(job.d, capacity)
        value += job.weight * take / job.d
        capacity -= take
    # the objective is an integer: flooring keeps the bound true (epsilon guards float error upward)
    return int(value + 1e-6)


def static_bound(slotted: Slotted, sub: Subproblem) -> int:
    return min(servable_total(slotted, sub), capacity_bound(slotted, sub))
