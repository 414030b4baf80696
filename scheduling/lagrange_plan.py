"""Plans read off the Lagrangian prices (``lagrange_bound.py``): a warm start for overloaded subproblems.

The prices say which slots are contested and which jobs pay for them: a job's profit is its weight less
the price of its cheapest start. Placing the jobs in order of that profit, each at its cheapest start still
free on a real asset, gives a plan that packs the contested hours with what is worth them. Measured on
"overload 6x": 2-6 points closer to the bound than the best of the greedy warm starts on six of its seven
subproblems. The best plan seldom comes from the last prices, so each kept set of prices is tried.
"""
from __future__ import annotations

import time

import numpy as np

from .decompose import Subproblem
from .greedy import Placement, better, objective
from .lagrange_bound import Priced
from .slotted import Slotted


def _choices(slotted: Slotted, j: int, rows: dict[int, int], local: dict[int, int]) -> tuple[np.ndarray, ...]:
    """Every (option, start) of job ``j`` as flat arrays: start, asset (local index), price row, ordered by the
    option's rank (nearest first), then start. Built when the job's turn comes, not kept: on a region's fleet
    the starts of every option of every job run to tens of millions."""
    options = slotted.jobs[j].options
    starts = [np.concatenate([np.arange(lo, hi + 1, dtype=np.int64) for lo, hi in o.starts]) for o in options]
    sizes = [len(st) for st in starts]
    return (np.concatenate(starts), np.repeat([local[o.asset] for o in options], sizes),
            np.repeat([rows[o.asset] for o in options], sizes))


def plan_at(slotted: Slotted, sub: Subproblem, priced: Priced, lam: np.ndarray) -> Placement:
    """The jobs by profit at prices ``lam``, each at its cheapest free start (ties: the nearer asset, then
    the earlier start)."""
    relaxation = priced.relaxation
    prefix = relaxation.prefix(lam)
    profits = relaxation.best_profits(prefix)
    # most profit first; ties to the heavier job, then the lower index, so the plan is reproducible
    order = sorted(range(len(relaxation.jobs)),
                   key=lambda k: (-profits[k], -slotted.jobs[relaxation.jobs[k]].weight, relaxation.jobs[k]))
    n = slotted.grid.n_slots
    assets = list(sub.assets)
    local = {a: i for i, a in enumerate(assets)}
    # per asset, the busy slots summed up to each slot (blocks first, then each job placed): a start's
    # [s, s + d) is free when busy[a, s + d] == busy[a, s]
    busy = np.zeros((len(assets), n + 1), dtype=np.int64)
    for a in assets:
        for bs, be in slotted.blocked[a]:
            _occupy(busy[local[a]], max(0, bs), min(n, be))
    placement: Placement = {}
    for k in order:
        j = relaxation.jobs[k]
        d = slotted.jobs[j].d
        st, at, row = _choices(slotted, j, relaxation.row_of_asset, local)
        free = busy[at, st + d] == busy[at, st]
        if not free.any():
            continue
        cost = np.where(free, prefix[row, st + d] - prefix[row, st], np.inf)
        i = int(np.argmin(cost))  # the first of the cheapest: the nearest asset, then the earliest start
        a, t = assets[int(at[i])], int(st[i])
        placement[j] = (a, t)
        _occupy(busy[local[a]], t, t + d)
    return placement


def _occupy(busy_prefix: np.ndarray, lo: int, hi: int) -> None:
    """Add the slots ``[lo, hi)`` to one asset's running count of busy slots."""
    if hi <= lo:
        return
    busy_prefix[lo + 1:hi + 1] += np.arange(1, hi - lo + 1)
    busy_prefix[hi + 1:] += hi - lo


def plan_from_prices(slotted: Slotted, sub: Subproblem, priced: Priced, deadline: float) -> Placement:
    """The best of the plans at each kept set of prices, latest first, tried until ``deadline``
    (``time.monotonic()``); at least the last prices are always tried."""
    best: Placement = {}
    best_value = None
    for i, lam in enumerate(reversed(priced.prices)):
        if i and time.monotonic() >= deadline:
            break
        plan = plan_at(slotted, sub, priced, lam)
        value = objective(slotted, plan)
        if best_value is None or better(value, best_value):
            best, best_value = plan, value
    return best
