"""Large-neighbourhood search on one subproblem: relax a time window on a group of assets, re-solve it
exactly with CP-SAT (hinted with the incumbent), keep the result only when it is no worse.

Inside the window ``[t0, t1)`` on the chosen assets every request placed wholly inside it is free to
move (to another of those assets, another start inside the window) or to drop out, and every
unserved request that could fit there may come in; everything else stays where it is, so the blocks
and the requests that straddle the window's edges are fixed intervals. The neighbourhood model is
small (a few hundred requests), so CP-SAT usually proves it optimal in a fraction of a second; the
window grows after a proof and shrinks after a time-out.

The objective is lexicographic in one integer: weighted minutes times ``M`` minus distance, with
``M`` larger than any distance the free requests could add, so the hours always come first.
A neighbourhood is accepted only if (weighted minutes, -distance) does not get worse, so the search
never returns less than it started with.
"""
from __future__ import annotations

import bisect
import logging
import math
import random
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .decompose import Subproblem
from .eligibility import intersect_ranges
from .greedy import Placement
from .slotted import Slotted

log = logging.getLogger(__name__)

# A neighbourhood this many requests (free ones plus candidates) is the first size tried.
TARGET_FREE = 120
TARGET_PER_ASSET = 6
# Share of neighbourhoods placed around a request the incumbent leaves unserved.
GUIDED_SHARE = 0.7
MIN_WINDOW_SLOTS = 8
MAX_ASSETS = 24


@dataclass
class LnsStats:
    iterations: int = 0
    improved: int = 0
    proven: int = 0
    gain: int = 0  # weighted minutes gained
    history: list[tuple[int, int]] = field(default_factory=list)  # (weight, -distance) after each accept
    # The adapted window sizes (slots) of the two kinds of neighbourhood. A caller that searches one
    # subproblem in several slices passes the same stats each time, so the windows keep what they
    # learned instead of starting again from the first guess (which can be far too wide).
    windows: list[int] | None = None
    # the subproblem's lookups, kept for the next slice (built on the first)
    index: _Index | None = field(default=None, repr=False, compare=False)


def _dist(slotted: Slotted, j: int, a: int) -> int:
    for o in slotted.jobs[j].options:
        if o.asset == a:
            return o.distance_units
    raise KeyError((j, a))


class _Index:
    """What a subproblem's neighbourhoods look up and never change: each asset's jobs ordered by window start, so
    a window finds the jobs it touches by bisection instead of reading every job of the asset (that scan was most
    of the Python time per neighbourhood, measured). Built once per subproblem, with its time lattice: on the hotel's 860,000
    options that takes about a quarter of a second, and a search runs in many slices."""

    def __init__(self, slotted: Slotted, sub: Subproblem):
        jobs = slotted.jobs
        self.sub, self.jobs = sub, jobs
        self.max_d = max((jobs[j].d for j in sub.jobs), default=1)
        self.longest_window = max((jobs[j].le - jobs[j].es for j in sub.jobs), default=0)
        by_asset: dict[int, list[int]] = {a: [] for a in sub.assets}
        for j in sorted(sub.jobs, key=lambda j: (jobs[j].es, j)):
            for o in jobs[j].options:
                by_asset[o.asset].append(j)
        self.by_asset_jobs = by_asset
        self.starts = {a: [jobs[j].es for j in js] for a, js in by_asset.items()}
        self.step = time_step(slotted, sub)

    def touching(self, a: int, t0: int, t1: int) -> list[int]:
        """The jobs with an option on asset ``a`` whose window meets ``[t0, t1)``, by window start."""
        starts, js = self.starts[a], self.by_asset_jobs[a]
        lo = bisect.bisect_left(starts, t0 - self.longest_window)
        hi = bisect.bisect_left(starts, t1)
        jobs = self.jobs
        return [j for j in js[lo:hi] if jobs[j].le > t0]


class _State:
    """The incumbent of one subproblem with per-asset timelines for quick window queries."""

    def __init__(self, slotted: Slotted, sub: Subproblem, placement: Placement, index: _Index):
        self.slotted = slotted
        self.sub = sub
        self.placement = {j: placement[j] for j in sub.jobs if j in placement}
        self.index = index
        self.rebuild()

    def sample_jobs(self, rng: random.Random, k: int) -> list[int]:
        return [self.sub.jobs[rng.randrange(len(self.sub.jobs))] for _ in range(k)]

    def rebuild(self) -> None:
        self.timeline: dict[int, list[tuple[int, int, int]]] = {a: [] for a in self.sub.assets}
        for j, (a, t) in self.placement.items():
            self.timeline[a].append((t, t + self.slotted.jobs[j].d, j))
        for items in self.timeline.values():
            items.sort()

    def objective(self) -> tuple[int, int]:
        w = d = 0
        for j, (a, _t) in self.placement.items():
            w += self.slotted.jobs[j].weight
            d += _dist(self.slotted, j, a)
        return w, -d

    def overlapping(self, a: int, t0: int, t1: int) -> list[tuple[int, int, int]]:
        items = self.timeline[a]
        # an interval starting before t0 - longest can not reach t0; scan from a safe point
        i = bisect.bisect_left(items, (t0 - self.index.max_d, -1, -1))
        out = []
        for k in range(i, len(items)):
            s, e, j = items[k]
            if s >= t1:
                break
            if e > t0:
                out.append((s, e, j))
        return out


def lookups(slotted: Slotted, sub: Subproblem, stats: LnsStats) -> _Index:
    """The subproblem's lookups, built on the first call and kept in ``stats`` for the next slices (a stats
    object passed on to another subproblem gets that subproblem's own)."""
    if stats.index is None or stats.index.sub is not sub or stats.index.jobs is not slotted.jobs:
        stats.index = _Index(slotted, sub)
    return stats.index


def time_step(slotted: Slotted, sub: Subproblem) -> int:
    """The largest step g such that every window edge, duration, allowed start range edge and block edge
    of the subproblem is a multiple of g: hotel stays (whole days from noon) give a day, not 24 slots.

    Then every plan can slide each start down to a multiple of g without losing anything (each
    interval and everything it must avoid moves on the same lattice), so a model over starts
    ``g * s'`` is exact: the compact model for long requests, its domains g times smaller.
    """
    g = 0
    for j in sub.jobs:
        job = slotted.jobs[j]
        g = math.gcd(g, job.d)
        for o in job.options:
            for lo, hi in o.starts:
                g = math.gcd(math.gcd(g, lo), hi)
        if g == 1:
            return 1
    for a in sub.assets:
        for bs, be in slotted.blocked[a]:
            g = math.gcd(math.gcd(g, bs), be)
    return max(1, g)


def _pick_assets(state: _State, rng: random.Random, t0: int, t1: int, limit: int = MAX_ASSETS) -> list[int]:
    assets = list(state.sub.assets)
    if len(assets) <= limit:
        return assets
    # grow a group of assets that share requests, from a random seed asset
    chosen = [rng.choice(assets)]
    seen = set(chosen)
    frontier = list(chosen)
    while frontier and len(chosen) < limit:
        a = frontier.pop(0)
        js = state.index.touching(a, t0, t1)
        rng.shuffle(js)
        for j in js[:20]:
            for o in state.slotted.jobs[j].options:
                if o.asset not in seen and len(chosen) < limit:
                    seen.add(o.asset)
                    chosen.append(o.asset)
                    frontier.append(o.asset)
    return sorted(chosen)


def _neighbourhood_model(state: _State, assets: list[int], t0: int, t1: int, distance: bool = True, g: int = 1):
    """The neighbourhood's CP-SAT model over starts ``g * s`` (``t0``, ``t1`` and the data on the g-lattice)."""
    slotted = state.slotted
    aset = set(assets)
    fixed: dict[int, list[tuple[int, int]]] = {a: [] for a in assets}
    free: set[int] = set()
    for a in assets:
        for s, e, j in state.overlapping(a, t0, t1):
            if s >= t0 and e <= t1:
                free.add(j)
            else:
                fixed[a].append((max(s, t0), min(e, t1)))
        for bs, be in slotted.blocked[a]:
            lo, hi = max(bs, t0), min(be, t1)
            if hi > lo:
                fixed[a].append((lo, hi))
    for a in assets:
        for j in state.index.touching(a, t0, t1):
            if j not in state.placement:
                free.add(j)
    m = cp_model.CpModel()
    per_asset: dict[int, list] = {a: [] for a in assets}
    choices: dict[int, list[tuple[int, cp_model.IntVar, cp_model.IntVar, int]]] = {}
    served: dict[int, cp_model.IntVar] = {}
    lows: dict[tuple[int, int], int] = {}  # a start in each option's domain, for complete hints
    for j in sorted(free):
        job = slotted.jobs[j]
        if t1 - t0 < job.d:
            continue
        xs = []
        for o in job.options:
            if o.asset not in aset:
                continue
            starts = intersect_ranges(list(o.starts), [(t0, t1 - job.d)])
            if not starts:
                continue
            x = m.new_bool_var("")
            lows[(j, o.asset)] = starts[0][0] // g
            s = m.new_int_var_from_domain(cp_model.Domain.from_intervals([[lo // g, hi // g] for lo, hi in starts]), "")
            per_asset[o.asset].append(m.new_optional_fixed_size_interval_var(s, job.d // g, x, ""))
            xs.append((o.asset, x, s, o.distance_units))
        if not xs:
            continue
        u = m.new_bool_var("")
        m.add(sum(x for _, x, _, _ in xs) == u)
        choices[j] = xs
        served[j] = u
    for a in assets:
        intervals = per_asset[a]
        if not intervals:
            continue
        for lo, hi in sorted(fixed[a]):
            intervals.append(m.new_fixed_size_interval_var(lo // g, (hi - lo) // g, ""))
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    if distance:
        scale = 1 + sum(max(d for *_, d in xs) for xs in choices.values())
        m.maximize(sum(slotted.jobs[j].weight * scale * u for j, u in served.items())
                   - sum(d * x for xs in choices.values() for _, x, _, d in xs))
    else:
        m.maximize(sum(slotted.jobs[j].weight * u for j, u in served.items()))
    for j, xs in choices.items():
        placed = state.placement.get(j)
        m.add_hint(served[j], placed is not None)
        for a, x, s, _ in xs:
            on = placed is not None and placed[0] == a
            m.add_hint(x, on)
            m.add_hint(s, placed[1] // g if on else lows[(j, a)])
    return m, choices


def _window_start(state: _State, rng: random.Random, window: int, span: int) -> int:
    """Mostly a window around an unserved request (where the gain is); otherwise anywhere."""
    sub = state.sub
    latest = sub.start + max(0, span - window)
    if rng.random() < GUIDED_SHARE:
        unserved = [j for j in state.sample_jobs(rng, 16) if j not in state.placement]
        if unserved:
            job = state.slotted.jobs[unserved[0]]
            lo = max(sub.start, job.es + job.d - window)
            hi = min(latest, job.le - job.d)
            if lo <= hi:
                return rng.randint(lo, hi)
    return sub.start + rng.randrange(max(1, span - window + 1))


def improve(
    slotted: Slotted,
    sub: Subproblem,
    placement: Placement,
    *,
    deadline: float | None = None,
    iterations: int | None = None,
    workers: int = 1,
    seed: int = 0,
    bound: int | None = None,
    seconds_per_solve: float = 1.0,
    deterministic: bool = False,
    distance: bool = True,
    stats: LnsStats | None = None,
) -> Placement:
    """A placement of ``sub``'s jobs at least as good as ``placement`` (weighted minutes, then distance).

    Stops at ``deadline`` (``time.monotonic()``), after ``iterations`` neighbourhoods, or when the
    weighted minutes reach ``bound``. ``deterministic`` budgets each solve in CP-SAT's deterministic
    time instead of seconds, so with one worker a fixed seed and iteration count give one answer.
    """
    if deadline is None and iterations is None:
        raise ValueError("give a deadline or a number of iterations")
    stats = stats if stats is not None else LnsStats()
    rng = random.Random(seed)
    index = lookups(slotted, sub, stats)
    state = _State(slotted, sub, placement, index)
    if not sub.jobs:
        return state.placement
    best = state.objective()
    g = index.step
    # placed starts off the lattice (a hand-made start) would make the hints and fixed intervals inexact
    if g > 1 and any(t % g for _a, t in state.placement.values()):
        g = 1
    span = max(1, sub.end - sub.start)
    n_assets = min(MAX_ASSETS, len(sub.assets))
    density = max(1e-9, len(sub.jobs) / span * n_assets / max(1, len(sub.assets)))
    # about TARGET_PER_ASSET requests per asset, at most TARGET_FREE in all: on a few assets a long
    # window of many requests is a hard model, and the solver then only returns its hint
    wide = max(MIN_WINDOW_SLOTS, int(min(TARGET_FREE, TARGET_PER_ASSET * n_assets) / density))
    # two kinds of neighbourhood, taken in turn, each with its own adaptive window: many assets over
    # a short window, and a quarter of them over a window four times as long (where long requests
    # can move; measured to gain where the first kind has stalled)
    few = max(2, n_assets // 4)
    windows = [wide, max(MIN_WINDOW_SLOTS, wide * n_assets // few)]
    if stats.windows is not None and len(stats.windows) == len(windows):
        windows = list(stats.windows)
    limits = [MAX_ASSETS, few]
    it = 0
    while True:
        if iterations is not None and it >= iterations:
            break
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left < 0.05:
            break
        if bound is not None and best[0] >= bound:
            break
        kind = it % 2
        window = min(windows[kind], span)
        it += 1
        t0 = _window_start(state, rng, window, span)
        t1 = t0 + window
        if g > 1:  # the window on the lattice too (outward), so the compact model stays exact
            t0, t1 = t0 - t0 % g, t1 + (-t1) % g
        assets = _pick_assets(state, rng, t0, t1, limits[kind])
        model, choices = _neighbourhood_model(state, assets, t0, t1, distance, g)
        if not choices:
            windows[kind] = min(span, int(window * 1.5) + 1)
            continue
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.num_workers = max(1, workers)
        p.random_seed = rng.randrange(1 << 30)
        p.cp_model_probing_level = 0  # measured: more neighbourhoods per second, more gained
        if deterministic:
            p.max_deterministic_time = seconds_per_solve
        else:
            p.max_time_in_seconds = max(0.01, min(seconds_per_solve, left if left is not None else seconds_per_solve))
        status = solver.solve(model)
        stats.iterations += 1
        # Measured: the most gained per second is where about one neighbourhood in four is proven
        # optimal inside the limit (smaller ones are proven but gain little, larger ones time out near
        # their hint); growing by 10% on a proof and shrinking by 3% otherwise settles there.
        if status == cp_model.OPTIMAL:
            stats.proven += 1
            windows[kind] = min(span, int(window * 1.1) + 1)
        else:
            windows[kind] = max(MIN_WINDOW_SLOTS, int(window / 1.03))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        trial = dict(state.placement)
        # only the neighbourhood's free jobs move, so the objective changes by theirs alone
        weight, negative_distance = best
        for j, xs in choices.items():
            before = trial.pop(j, None)
            if before is not None:
                weight -= slotted.jobs[j].weight
                negative_distance += _dist(slotted, j, before[0])
            for a, x, s, d in xs:
                if solver.boolean_value(x):
                    trial[j] = (a, solver.value(s) * g)
                    weight += slotted.jobs[j].weight
                    negative_distance -= d
                    break
        old = state.placement
        state.placement = trial
        value = (weight, negative_distance)
        if value >= best:
            if value > best:
                stats.improved += 1
                stats.gain += value[0] - best[0]
                stats.history.append(value)
            best = value
            state.rebuild()
        else:  # cannot happen with a correct hint, but never go backwards
            state.placement = old
    stats.windows = windows
    log.debug("lns: %d iterations (%d in all), %d improved, %d proven in all, windows %s slots, objective %s",
              it, stats.iterations, stats.improved, stats.proven, windows, best)
    return state.placement
