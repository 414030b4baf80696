"""A Lagrangian bound on objective 1 (weighted served minutes): the time-indexed relaxation, priced.

The relaxation: alike assets (``flow_bound.asset_groups``) pool their free time, so a group may run
as many jobs at a slot as it has free assets then; a job takes one start, whole (it is not cut, as in
the flow bound), from the union of its starts on the group's assets. Every real plan is such a
choice, so its best value bounds the plan's.

Pricing each (group, slot) with ``lam >= 0`` and dropping the capacities gives, for any prices,

    L(lam) = sum over (g, t) of lam[g, t] * free[g, t]
           + sum over jobs of max(0, max over its (g, s) of weight - sum of lam[g, s .. s + d - 1])

which is at least the relaxation's best value (weak duality). So every iterate is a true bound;
subgradient steps only make it smaller. Where the flow bound lets a job fill scattered gaps in
pieces, this one must fit it whole: under heavy overload it is the tighter of the two (measured in
bench/README.md), and it honours opening hours, which the flow bound widens away.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .decompose import Subproblem
from .flow_bound import asset_groups
from .slotted import Slotted

# (job, group, start) triples above which the bound is not tried: one iteration costs about 30 ms
# per million triples, and a few hundred are needed.
MAX_TRIPLES = 1_500_000
MAX_ITERATIONS = 600
# The step is halved after this many iterations without a better bound.
PATIENCE = 10
# The prices are kept every this many iterations, for the plans priced from them (lagrange_plan.py): the
# best plan rarely comes from the last prices (measured), so several are tried.
KEEP_EVERY = 25


class Relaxation:
    """The relaxation of one subproblem as flat arrays: one entry per (job, group, start)."""

    def __init__(self, slotted: Slotted, sub: Subproblem):
        group = asset_groups(slotted, sub)
        gids = {g: i for i, g in enumerate(sorted(set(group.values())))}
        self.row_of_asset = {a: gids[g] for a, g in group.items()}  # asset -> its group's row of prices
        n = self.n = slotted.grid.n_slots
        free = np.zeros((len(gids), n), dtype=np.float64)
        for a, g in group.items():
            row = np.ones(n, dtype=np.float64)
            for bs, be in slotted.blocked[a]:
                row[max(0, bs):min(n, be)] = 0.0
            free[gids[g]] += row
        self.free = free
        jobs, groups, starts, lengths, weights = [], [], [], [], []
        self.jobs: list[int] = []  # the job of each priced row k (those with an option)
        k = 0
        for j in sub.jobs:
            job = slotted.jobs[j]
            if not job.options:
                continue
            self.jobs.append(j)
            ranges: dict[int, list[tuple[int, int]]] = {}
            for o in job.options:
                ranges.setdefault(gids[group[o.asset]], []).extend(o.starts)
            for g, rs in ranges.items():
                s = np.unique(np.concatenate([np.arange(lo, hi + 1) for lo, hi in rs]))
                starts.append(s)
                groups.append(np.full(len(s), g))
                jobs.append(np.full(len(s), k))
                lengths.append(np.full(len(s), job.d))
            weights.append(job.weight)
            k += 1
        self.size = sum(len(s) for s in starts)
        if not k:
            return
        job_of = np.concatenate(jobs)
        g = np.concatenate(groups)
        s = np.concatenate(starts)
        d = np.concatenate(lengths)
        self.job_of = job_of  # already grouped by job: each job's triples were appended together
        self.first = np.flatnonzero(np.r_[True, job_of[1:] != job_of[:-1]])
        # flat indices into the prefix sums of lam, one row of n + 1 per group
        self.at_start = g * (n + 1) + s
        self.at_end = self.at_start + d
        self.weight = np.asarray(weights, dtype=np.float64)[job_of]
        self.total_weight = float(np.sum(weights))

    def prefix(self, lam: np.ndarray) -> np.ndarray:
        """Per group, the prices summed up to each slot: a start's price is ``prefix[g, s + d] - prefix[g, s]``."""
        prefix = np.zeros((lam.shape[0], self.n + 1))
        np.cumsum(lam, axis=1, out=prefix[:, 1:])
        return prefix

    def best_profits(self, prefix: np.ndarray) -> np.ndarray:
        """Each priced job's best profit at the prices summed in ``prefix`` (weight less its cheapest start's
        price), by row k."""
        return self._profits(prefix)[1]

    def _profits(self, prefix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        flat = prefix.ravel()
        profit = self.weight - (flat[self.at_end] - flat[self.at_start])
        return profit, np.maximum.reduceat(profit, self.first)

    def value(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """L(lam), and the triple each job takes at these prices (none when no start pays)."""
        profit, best = self._profits(self.prefix(lam))
        gain = np.maximum(best, 0.0)
        bound = float(np.sum(lam * self.free)) + float(np.sum(gain))
        taken = np.flatnonzero((profit >= best[self.job_of]) & (best[self.job_of] > 0))
        _, first_of_job = np.unique(self.job_of[taken], return_index=True)
        return bound, taken[first_of_job]

    def subgradient(self, lam: np.ndarray, taken: np.ndarray) -> np.ndarray:
        width = lam.shape[0] * (self.n + 1)
        use = np.bincount(self.at_start[taken], minlength=width) - np.bincount(self.at_end[taken], minlength=width)
        use = np.cumsum(use.reshape(lam.shape[0], self.n + 1), axis=1)[:, : self.n]
        return self.free - use


@dataclass
class Priced:
    """The bound of one subproblem and the prices met on the way to it."""

    bound: int
    relaxation: Relaxation
    prices: list[np.ndarray] = field(default_factory=list)  # every KEEP_EVERY iterations, and the last


def lagrange_bound(slotted: Slotted, sub: Subproblem, incumbent: int, deadline: float) -> int | None:
    """A bound on ``sub``'s weighted minutes (an integer), or None when it is too large to price.

    ``incumbent`` is the weight of a known plan: the subgradient steps aim at it (Polyak's rule).
    Stops at ``deadline`` (``time.monotonic()``), after ``MAX_ITERATIONS``, or when the steps vanish.
    """
    found = lagrange_prices(slotted, sub, incumbent, deadline)
    return None if found is None else found.bound


def lagrange_prices(slotted: Slotted, sub: Subproblem, incumbent: int, deadline: float) -> Priced | None:
    """``lagrange_bound`` with the prices it passed through (see ``Priced``)."""
    relaxation = Relaxation(slotted, sub)
    if relaxation.size == 0:
        return Priced(0, relaxation)
    if relaxation.size > MAX_TRIPLES:
        return None
    lam = np.zeros_like(relaxation.free)
    best = relaxation.total_weight
    theta, stale = 1.0, 0
    kept: list[np.ndarray] = []
    for it in range(MAX_ITERATIONS):
        if time.monotonic() >= deadline:
            break
        if it % KEEP_EVERY == KEEP_EVERY - 1:
            kept.append(lam)
        bound, taken = relaxation.value(lam)
        if bound < best:
            best, stale = bound, 0
        else:
            stale += 1
            if stale >= PATIENCE:
                theta, stale = theta / 2, 0
                if theta < 1e-4:
                    break
        if best <= incumbent:
            break
        step = relaxation.subgradient(lam, taken)
        step[(lam <= 0) & (step > 0)] = 0.0  # a price already at zero cannot go lower
        norm = float(np.sum(step * step))
        if norm == 0:
            break
        lam = np.maximum(0.0, lam - theta * (bound - incumbent) / norm * step)
    kept.append(lam)
    # floating-point sums: round outward so the integer stays a true bound
    return Priced(math.floor(best * (1 + 1e-9) + 1e-6), relaxation, kept)
