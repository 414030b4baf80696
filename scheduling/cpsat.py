"""CP-SAT on one independent subproblem: two lexicographic solves, warm-started from a greedy.

Model (chosen by measurement, see bench/README.md): one start variable per request (its domain the union of its
options' allowed starts); per eligible asset a Boolean with an optional fixed-size interval sharing
that start; for an asset with opening hours the Boolean also enforces that asset's own allowed start
ranges (a handful of daily ranges, one ``add_linear_expression_in_domain`` per such option);
``add_no_overlap`` per asset with its blackouts and fixed bookings as fixed intervals (merged, else the
model is infeasible); a redundant ``add_cumulative`` over the subproblem; complete hints only.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .decompose import Subproblem
from .greedy import Placement
from .slotted import Slotted

log = logging.getLogger(__name__)

# Python-side cost of building, hinting and loading a model, per optional interval (measured: about
# 4 s for 260,000 intervals on this kind of machine); a subproblem is skipped if this would not fit.
BUILD_SECONDS_PER_INTERVAL = 2e-5

# Above this many optional intervals, presolve probing can eat the whole budget (measured at 10,000 requests).
PROBING_OFF_ABOVE = 3000


@dataclass
class SubResult:
    placement: Placement
    weight: int  # objective 1 of placement
    bound: int  # proven upper bound on objective 1
    optimal_weight: bool
    optimal_distance: bool


class _Model:
    def __init__(self, slotted: Slotted, sub: Subproblem):
        self.slotted = slotted
        self.sub = sub
        m = self.model = cp_model.CpModel()
        self.start: dict[int, cp_model.IntVar] = {}
        self.served: dict[int, cp_model.IntVar] = {}
        self.choice: dict[int, list[tuple[int, cp_model.IntVar, int]]] = {}  # job -> (asset, x, dist)
        per_asset: dict[int, list] = {a: [] for a in sub.assets}
        assets = slotted.problem.assets
        # (job, asset) -> the option's own start, for options narrowed by opening hours
        self.option_start: dict[tuple[int, int], cp_model.IntVar] = {}
        demand_intervals = []
        for j in sub.jobs:
            job = slotted.jobs[j]
            ranges = sorted({r for o in job.options for r in o.starts})
            merged: list[list[int]] = []
            for lo, hi in ranges:
                if merged and lo <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], hi)
                else:
                    merged.append([lo, hi])
            s = m.new_int_var_from_domain(cp_model.Domain.from_intervals(merged), f"s{j}")
            self.start[j] = s
            union = [tuple(r) for r in merged]
            xs = []
            for o in job.options:
                x = m.new_bool_var(f"x{j}_{o.asset}")
                sa = s
                if assets[o.asset].open is not None and list(o.starts) != union:
                    # opening hours: this option gets its own start over this asset's allowed starts
                    # (window, blocks and hours applied), equal to the job's start when chosen, so
                    # no_overlap on the asset sees the hours; assets without hours share ``s`` as before
                    sa = m.new_int_var_from_domain(cp_model.Domain.from_intervals([list(r) for r in o.starts]), f"s{j}_{o.asset}")
                    m.add(sa == s).only_enforce_if(x)
                    self.option_start[(j, o.asset)] = sa
                per_asset[o.asset].append(m.new_optional_fixed_size_interval_var(sa, job.d, x, f"i{j}_{o.asset}"))
                xs.append((o.asset, x, o.distance_units))
            self.choice[j] = xs
            served = m.new_bool_var(f"u{j}")
            m.add(sum(x for _, x, _ in xs) == served)
            self.served[j] = served
            demand_intervals.append(m.new_optional_fixed_size_interval_var(s, job.d, served, f"c{j}"))
        fixed_all = []
        for a, intervals in per_asset.items():
            for bs, be in slotted.blocked[a]:
                lo, hi = max(bs, sub.start), min(be, sub.end)
                if hi > lo:  # blocked is merged already, so these never overlap each other
                    iv = m.new_fixed_size_interval_var(lo, hi - lo, f"f{a}_{lo}")
                    intervals.append(iv)
                    fixed_all.append(iv)
            if len(intervals) > 1:
                m.add_no_overlap(intervals)
        if len(sub.assets) > 1:
            # redundant: at most |assets| requests (and blocks) at any time; strengthens propagation
            cum = demand_intervals + fixed_all
            m.add_cumulative(cum, [1] * len(cum), len(sub.assets))
        self.weight_expr = sum(slotted.jobs[j].weight * u for j, u in self.served.items())
        self.distance_expr = sum(dist * x for xs in self.choice.values() for _, x, dist in xs)
        self.n_intervals = sum(len(v) for v in self.choice.values())

    def hint(self, placement: Placement) -> None:
        m = self.model
        m.clear_hints()
        for j, s in self.start.items():
            placed = placement.get(j)
            m.add_hint(self.served[j], placed is not None)
            # an unserved job still gets a start hint from its domain: hints must be complete
            m.add_hint(s, placed[1] if placed else self.slotted.jobs[j].options[0].starts[0][0])
            for a, x, _ in self.choice[j]:
                m.add_hint(x, placed is not None and placed[0] == a)
                sa = self.option_start.get((j, a))
                if sa is not None:  # complete hints: the job's start when chosen, else one of its own
                    on = placed is not None and placed[0] == a
                    m.add_hint(sa, placed[1] if on else next(o.starts[0][0] for o in self.slotted.jobs[j].options if o.asset == a))

    def read(self, solver: cp_model.CpSolver) -> Placement:
        out: Placement = {}
        for j, xs in self.choice.items():
            for a, x, _ in xs:
                if solver.boolean_value(x):
                    out[j] = (a, solver.value(self.start[j]))
                    break
        return out


def _solver(seconds: float, workers: int, n_intervals: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.01, seconds)
    p.num_workers = max(1, workers)
    p.random_seed = 0  # reproducible runs for the same instance and budget
    p.log_search_progress = False
    if n_intervals > PROBING_OFF_ABOVE:
        p.cp_model_probing_level = 0
    return solver


def _weight(slotted: Slotted, placement: Placement) -> int:
    return sum(slotted.jobs[j].weight for j in placement)


def _distance(slotted: Slotted, placement: Placement) -> int:
    total = 0
    for j, (a, _t) in placement.items():
        total += next(o.distance_units for o in slotted.jobs[j].options if o.asset == a)
    return total


def all_nearest(slotted: Slotted, placement: Placement) -> bool:
    """Every placed job sits on one of its nearest options (so distance cannot improve for this set)."""
    return all(
        slotted.jobs[j].options[0].distance_units
        == next(o.distance_units for o in slotted.jobs[j].options if o.asset == a)
        for j, (a, _t) in placement.items()
    )


def solve_subproblem(
    slotted: Slotted,
    sub: Subproblem,
    warm: Placement,
    bound: int,
    seconds: float,
    workers: int,
    deadline: float | None = None,
) -> SubResult:
    """Improve ``warm`` (a feasible placement of ``sub``'s jobs) within ``seconds`` and before ``deadline``
    (``time.monotonic()``); never worse on objective 1."""
    t0 = time.monotonic()
    stop = t0 + seconds if deadline is None else min(t0 + seconds, deadline)
    best = dict(warm)
    best_w = _weight(slotted, best)
    result = SubResult(best, best_w, bound, best_w >= bound, False)
    if result.optimal_weight and len(best) == len(sub.jobs) and all_nearest(slotted, best):
        result.optimal_distance = True  # trivially optimal: no model needed
        return result
    n_options = sum(len(slotted.jobs[j].options) for j in sub.jobs)
    if stop - time.monotonic() < 0.1 + 2 * BUILD_SECONDS_PER_INTERVAL * n_options:
        log.debug("sub %d jobs: no time to build a model; keeping the greedy placement", len(sub.jobs))
        return result
    model = _Model(slotted, sub)
    if not result.optimal_weight:
        model.hint(best)
        model.model.maximize(model.weight_expr)
        # keep a slice for the distance stage; stage 1 hands over whatever it does not use
        left = stop - time.monotonic() - BUILD_SECONDS_PER_INTERVAL * model.n_intervals
        if left < 0.05:
            return result
        solver = _solver(left * 0.85, workers, model.n_intervals)
        status = solver.solve(model.model)
        log.debug(
            "sub %d jobs/%d assets stage 1: %s obj=%s bound=%s in %.2fs (limit %.2fs, workers %d, probing %d)",
            len(sub.jobs), len(sub.assets), solver.status_name(status), solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
            solver.best_objective_bound if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None,
            solver.wall_time, solver.parameters.max_time_in_seconds, solver.parameters.num_workers,
            solver.parameters.cp_model_probing_level,
        )
        if status == cp_model.MODEL_INVALID:
            log.error("CP-SAT rejected the model: %s", model.model.validate())
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = model.read(solver)
            found_w = _weight(slotted, found)
            if found_w > best_w or (found_w == best_w and _distance(slotted, found) < _distance(slotted, best)):
                best, best_w = found, found_w
            if status == cp_model.OPTIMAL:
                result.bound = min(result.bound, int(round(solver.objective_value)))
            else:
                result.bound = min(result.bound, math.floor(solver.best_objective_bound + 1e-6))
        result.optimal_weight = best_w >= result.bound
    result.placement, result.weight = best, best_w
    if result.optimal_weight and len(best) == len(sub.jobs) and all_nearest(slotted, best):
        result.optimal_distance = True  # every job served, each at a nearest asset: nothing to gain
        return result
    if stop - time.monotonic() < 0.1 + BUILD_SECONDS_PER_INTERVAL * model.n_intervals:
        return result
    model.model.add(model.weight_expr >= best_w)  # stage 2 keeps objective 1 at its value
    model.model.clear_objective()
    model.model.minimize(model.distance_expr)
    model.hint(best)
    # the solver counts its own time only; loading this model into it is on us
    left = stop - time.monotonic() - BUILD_SECONDS_PER_INTERVAL * model.n_intervals / 2
    if left < 0.05:
        return result
    solver = _solver(left, workers, model.n_intervals)
    status = solver.solve(model.model)
    log.debug("sub stage 2: %s dist=%s in %.2fs", solver.status_name(status),
              solver.objective_value if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None, solver.wall_time)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = model.read(solver)
        if _weight(slotted, found) >= best_w and _distance(slotted, found) <= _distance(slotted, best):
            result.placement = found
            result.weight = _weight(slotted, found)
        result.optimal_distance = status == cp_model.OPTIMAL and result.optimal_weight
    return result
