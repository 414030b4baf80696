"""A time-indexed transportation bound on objective 1 (weighted served minutes), solved as a min-cost flow.

The relaxation: a job may be cut into pieces, spread over any of its eligible assets and run on
several at once, as long as it never takes more than ``d`` slots in all, never more slots of one time
bucket than the bucket has, and only asset-time that is free (blackouts and fixed bookings removed)
inside its window. Every real plan is such a flow (a served job sends ``d`` units), so the best flow,
priced at each job's weight per slot, is an upper bound. Buckets of ``b`` slots make it smaller: a
window is widened outward to whole buckets, which only relaxes it further, so the bound stays true.

Prices are rounded up to integers (scaled by ``PRICE_SCALE``) for the exact integer flow solver,
again only loosening the bound; the result is floored to the integer objective.
"""
from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from .decompose import Subproblem
from .slotted import Slotted

log = logging.getLogger(__name__)

PRICE_SCALE = 64
# Arcs the flow may have: above it the buckets grow (a coarser, still true, bound).
MAX_ARCS = 100_000
BUCKET_SLOTS = (1, 2, 4, 8, 12, 24, 48, 96, 192, 384, 768)


def _free_in_bucket(blocked: tuple[tuple[int, int], ...], lo: int, hi: int) -> int:
    free = hi - lo
    for bs, be in blocked:
        if be <= lo:
            continue
        if bs >= hi:
            break
        free -= min(be, hi) - max(bs, lo)
    return free


def asset_groups(slotted: Slotted, sub: Subproblem) -> dict[int, int]:
    """Asset -> group: assets alike in all that eligibility reads (category, type, capabilities, hub).

    A job sends flow to a group when it has an option on any of its assets, so it may reach some
    free time on a sibling its own blocks ruled out: that only adds arcs, and a relaxation with more
    arcs is still a relaxation, so the bound stays true. A hotel's rooms of one tier become one
    node instead of dozens.
    """
    assets = slotted.problem.assets
    ids: dict[tuple, int] = {}
    out = {}
    for a in sub.assets:
        asset = assets[a]
        key = (asset.category, asset.type, asset.hub, asset.open,
               tuple(sorted((k, type(v).__name__, v) for k, v in asset.capabilities.items())))
        out[a] = ids.setdefault(key, len(ids))
    return out


def _job_groups(slotted: Slotted, j: int, group: dict[int, int]) -> list[int]:
    return sorted({group[o.asset] for o in slotted.jobs[j].options})


def _arcs_for(slotted: Slotted, sub: Subproblem, b: int, group: dict[int, int]) -> int:
    total = 0
    for j in sub.jobs:
        lo, hi = _window(slotted, j)
        nb = -(-hi // b) - lo // b
        k = len(_job_groups(slotted, j, group))
        total += nb * (k + (1 if k > 1 else 0)) + 1
    return total


def _window(slotted: Slotted, j: int) -> tuple[int, int]:
    """Slots any option of the job can occupy (start ranges on every asset, plus the duration)."""
    job = slotted.jobs[j]
    return min(o.starts[0][0] for o in job.options), max(o.starts[-1][1] for o in job.options) + job.d


def bucket_for(slotted: Slotted, sub: Subproblem, group: dict[int, int], max_arcs: int = MAX_ARCS) -> int | None:
    for b in BUCKET_SLOTS:
        if _arcs_for(slotted, sub, b, group) <= max_arcs:
            return b
    return None


def flow_bound(slotted: Slotted, sub: Subproblem, max_arcs: int = MAX_ARCS) -> tuple[int, int] | None:
    """(bound in weighted minutes, bucket size in slots), or None when even the coarsest flow is too big."""
    jobs = [j for j in sub.jobs if slotted.jobs[j].options]
    if not jobs:
        return 0, 1
    group = asset_groups(slotted, sub)
    members: dict[int, list[int]] = {}
    for a, g in group.items():
        members.setdefault(g, []).append(a)
    b = bucket_for(slotted, sub, group, max_arcs)
    if b is None:
        return None
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    source, sink = 0, 1
    next_node = 2
    cell_node: dict[tuple[int, int], int] = {}
    prices = {}
    max_price = 0
    total_d = 0
    for j in jobs:
        job = slotted.jobs[j]
        # rounded up: each unit is priced at least at its true weight per slot
        price = -(-job.weight * PRICE_SCALE // job.d)
        prices[j] = price
        max_price = max(max_price, price)
        total_d += job.d
    for j in jobs:
        job = slotted.jobs[j]
        lo, hi = _window(slotted, j)
        jn = next_node
        next_node += 1
        tails.append(source)
        heads.append(jn)
        caps.append(job.d)
        costs.append(max_price - prices[j])  # non-negative costs; the bypass costs max_price
        for k in range(lo // b, -(-hi // b)):
            s0, s1 = max(lo, k * b), min(hi, (k + 1) * b)
            if s1 <= s0:
                continue
            cap = min(job.d, s1 - s0)  # the job overlaps this bucket by at most that much
            via = jn
            groups = _job_groups(slotted, j, group)
            if len(groups) > 1:
                via = next_node
                next_node += 1
                tails.append(jn)
                heads.append(via)
                caps.append(cap)
                costs.append(0)
            for g in groups:
                key = (g, k)
                cn = cell_node.get(key)
                if cn is None:
                    cn = cell_node[key] = next_node
                    next_node += 1
                tails.append(via)
                heads.append(cn)
                caps.append(cap)
                costs.append(0)
    for (g, k), cn in cell_node.items():
        lo, hi = k * b, min((k + 1) * b, slotted.grid.n_slots)
        free = sum(_free_in_bucket(slotted.blocked[a], lo, hi) for a in members[g])
        if free > 0:
            tails.append(cn)
            heads.append(sink)
            caps.append(free)
            costs.append(0)
    tails.append(source)
    heads.append(sink)
    caps.append(total_d)
    costs.append(max_price)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64),
    )
    flow.set_node_supply(source, total_d)
    flow.set_node_supply(sink, -total_d)
    status = flow.solve()
    if status != flow.OPTIMAL:
        log.warning("flow bound: solver status %s; not used", status)
        return None
    profit = max_price * total_d - flow.optimal_cost()
    return profit // PRICE_SCALE, b
