"""Fleet planning for coordinators: what the pool should buy next, move or retire, from recorded demand.

A run takes the demand recorded over a past period (bookings, rejected bookings, waitlisted and expired
flexible requests: `scheduling_adapter.planning_problem`), runs the planner of `scheduling/fleet_plan.py` on it
through the adapter, and stores the instance and the report together, so the page shows the evidence and
anyone can reproduce it with `python -m scheduling plan instance.json`. The request that asks for a plan only
stores it queued (`create_plan`); a background job (app/jobs.py) computes it (`execute_plan`), committing
its progress, and records on the run why it failed if it does (`fail_plan`).

Each recommendation is also put in impact units, from the category's impact factors (fleet/reporting/impact.py): an
asset not bought is its embodied material, energy and CO2e not spent (low / central / high, per unit), and
in money where the pool recorded a purchase cost (integer minor units).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.allocation import scheduling_adapter as adapter
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.messages import Term, english, msg
from fleet.reporting.impact import MJ_PER_KWH, SCENARIOS, _effective, category_choices, factor_table
from fleet.models import Asset, Category, Hub, Member, PlanningRun, PlanningStatus
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, pool_for_new_object, require_object_pool

MAX_PERIOD_DAYS = 90
MAX_TIME_LIMIT = 120.0


def embodied_per_unit(session: Session) -> dict[str, dict]:
    """Per category id (as text): one unit's embodied material (kg), energy (MJ, kWh) and CO2e (kg) as low /
    central / high, with the factor row it comes from; categories without factors are absent."""
    table, out = factor_table(), {}
    for cid, choice in category_choices(session).items():
        factors = table.get(choice.factor_key) if choice.factor_key else None
        if factors is None:
            continue
        bands: dict[str, dict] = {"material_kg": {}, "energy_mj": {}, "energy_kwh": {}, "co2e_kg": {}}
        for scenario in SCENARIOS:
            mass = _effective(factors, choice.overrides, "mass_kg", scenario) or 0.0
            scale = mass / 1000 if factors.per_tonne else 1.0
            energy = (_effective(factors, choice.overrides, "energy_mj", scenario) or 0.0) * scale
            bands["material_kg"][scenario] = mass
            bands["energy_mj"][scenario] = energy
            bands["energy_kwh"][scenario] = energy / MJ_PER_KWH
            bands["co2e_kg"][scenario] = (_effective(factors, choice.overrides, "co2e_kg", scenario) or 0.0) * scale
        out[str(cid)] = {"factor": factors.label, "sources": list(factors.sources),
                         **{k: {s: round(min(v.values()) if s == "low" else max(v.values()) if s == "high"
                                         else v["central"], 1) for s in SCENARIOS} for k, v in bands.items()}}
    return out


def _times(unit: dict | None, n: int) -> dict | None:
    if unit is None or n <= 0:
        return None
    return {"units": n, "factor": unit["factor"], "sources": unit["sources"],
            **{k: {s: round(unit[k][s] * n, 1) for s in SCENARIOS}
               for k in ("material_kg", "energy_mj", "energy_kwh", "co2e_kg")}}


def _money(assets: list[Asset]) -> list[dict]:
    totals: dict[str, int] = {}
    for a in assets:
        if a.purchase_cost_minor is not None:
            totals[a.currency] = totals.get(a.currency, 0) + a.purchase_cost_minor
    return [{"currency": c, "amount_minor": v} for c, v in sorted(totals.items())]


def enrich(session: Session, report: dict) -> dict:
    """Names for the ids of a report, and each recommendation in impact units and money. The labels are stored
    in English (templates, see fleet/core/messages.py); the page translates them."""
    assets = {str(a.id): a for a in session.scalars(select(Asset))}
    categories = {str(c.id): c.name for c in session.scalars(select(Category))}
    hubs = {str(h.id): h.name for h in session.scalars(select(Hub))}
    unit = embodied_per_unit(session)
    names = {"categories": categories, "hubs": hubs, "assets": {k: a.name for k, a in assets.items()}}
    for c in report["categories"]:
        fewest = c.get("fewest")
        if fewest:
            surplus = [assets[i] for i in fewest.get("surplus", []) if i in assets]
            c["surplus_impact"] = {"label": msg("not spent: embodied in the surplus assets"),
                                   "impact": _times(unit.get(c["category"]), len(surplus)),
                                   "purchase_cost": _money(surplus)}
    for a in report["acquisitions"]:
        template = assets.get(a["template"])
        a["impact"] = {"label": msg("spent: embodied in one new asset"),
                       "impact": _times(unit.get(a["category"]), 1),
                       "purchase_cost": _money([template]) if template else []}
    for r in report["retirements"]:
        asset = assets.get(r["asset"])
        r["impact"] = {"label": msg("not spent on replacing it at the end of its life"),
                       "impact": _times(unit.get(r["category"]), 1), "purchase_cost": _money([asset]) if asset else []}
    for m in report["moves"]:
        m["impact"] = {"label": msg("no new asset: nothing embodied spent"), "impact": None, "purchase_cost": []}
    return {**report, "names": names}


@dataclass
class PlanView:
    run: PlanningRun
    report: dict | None  # None until the run has finished


# A run's progress line (PlanningRun.progress, stored in English): the templates, whose values are the run's own
# figures, so `progress_message` can give the template back to show it translated.
PROGRESS_WAITING = msg("Waiting for a worker")
PROGRESS_READING = msg("Reading the recorded demand")
PROGRESS_PLANNING = msg("Planning on %(requests)s bookings and requests over %(assets)s assets "
                        "(at most %(seconds)s s)")
PROGRESS_FINISHED = msg("Finished")
PROGRESS_FAILED = msg("Failed")


def _progress_values(run: PlanningRun) -> dict:
    return {"requests": run.requests_count, "assets": run.assets_count, "seconds": f"{run.time_limit_seconds:g}"}


def progress_message(run: PlanningRun) -> tuple[str, dict]:
    """The run's progress line as a template and its values (fleet/core/messages.py), to show it translated. A
    line no template explains comes back as it is, without values."""
    values = _progress_values(run)
    for template in (PROGRESS_WAITING, PROGRESS_READING, PROGRESS_PLANNING, PROGRESS_FINISHED, PROGRESS_FAILED):
        if english(template, values) == run.progress:
            return template, values
    return run.progress, {}


def create_plan(session: Session, actor: Member, days: int, time_limit: float, now: datetime,
                pool_id: int | None = None) -> PlanningRun:
    """Store a queued plan on the demand of the last `days` days in pool `pool_id` (which `actor` coordinates;
    None: their only pool), to be computed within `time_limit` seconds by `execute_plan` (a background job:
    app/jobs.py)."""
    pool_id = pool_for_new_object(session, actor, pool_id)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_PERIOD_DAYS:
        raise ValidationFailed("The period is 1 to %(days)s days.", field="days", days=MAX_PERIOD_DAYS)
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) \
            or not 1 <= time_limit <= MAX_TIME_LIMIT:  # also refuses nan
        raise ValidationFailed("The time limit is 1 to %(seconds)g seconds.", field="time_limit",
                               seconds=MAX_TIME_LIMIT)
    run = PlanningRun(started_by_id=actor.id, created_at=now, period_start=now - timedelta(days=days),
                      period_end=now, time_limit_seconds=float(time_limit), status=PlanningStatus.queued,
                      progress=PROGRESS_WAITING, pool_id=pool_id)
    session.add(run)
    session.flush()
    return run


def execute_plan(session: Session, run_id: int, now: datetime,
                 progress: Callable[[str], None] = lambda message: None) -> PlanningRun:
    """Compute a queued plan and store its instance and report. `progress` is called between steps (the job
    commits there so the run's page can show it). A run that already ended is left as it is (a job delivered
    twice computes nothing twice)."""
    run = session.get(PlanningRun, run_id)
    if run is None:
        raise NotFound("No such planning run.")
    if not run.is_open:
        return run
    run.start()
    run.progress = PROGRESS_READING
    progress(run.progress)
    problem = adapter.planning_problem(session, run.period_start, run.period_end, run.pool_id)
    run.period_start, run.period_end = problem.horizon.start, problem.horizon.end
    run.requests_count, run.assets_count = len(problem.requests) + len(problem.bookings), len(problem.assets)
    run.progress = english(PROGRESS_PLANNING, _progress_values(run))
    progress(run.progress)
    report = enrich(session, adapter.plan_fleet(problem, run.time_limit_seconds))
    run.instance_json, run.result_json = adapter.problem_json(problem), json.dumps(report)
    run.wall_seconds = report["wall_seconds"]
    run.finish(now + timedelta(seconds=report["wall_seconds"]))
    run.progress = PROGRESS_FINISHED
    session.flush()
    return run


def fail_plan(session: Session, run_id: int, message: str, now: datetime) -> None:
    """Record why a run could not be computed (the job's last word on it)."""
    run = session.get(PlanningRun, run_id)
    if run is not None and run.is_open:
        run.fail(message, now)
        run.progress = PROGRESS_FAILED
        session.flush()


def plan_again(session: Session, actor: Member, run_id: int, now: datetime) -> PlanningRun:
    """A new queued plan with the parameters of a failed one (a period as long, ending now)."""
    old = _coordinated_run(session, actor, run_id)
    if old.status != PlanningStatus.failed:
        raise Conflict("Only a failed plan can be run again; this one is %(status)s.", status=Term(old.status.value))
    days = round((old.period_end - old.period_start) / timedelta(days=1))
    return create_plan(session, actor, min(max(days, 1), MAX_PERIOD_DAYS), old.time_limit_seconds, now,
                       pool_id=old.pool_id)


def list_plans(session: Session, actor: Member, limit: int = 20, offset: int = 0,
               status: PlanningStatus | None = None) -> tuple[list[PlanningRun], int]:
    """The newest runs first, and how many there are in all."""
    require_coordinator(actor)
    query = select(PlanningRun).where(PlanningRun.pool_id.in_(coordinated_pool_ids(session, actor)))
    if status is not None:
        query = query.where(PlanningRun.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    runs = session.scalars(query.order_by(PlanningRun.id.desc()).limit(limit).offset(offset))
    return list(runs), total


def _coordinated_run(session: Session, actor: Member, run_id: int) -> PlanningRun:
    """A run of a pool `actor` coordinates; another pool's run is answered as a missing one."""
    run = session.get(PlanningRun, run_id)
    require_object_pool(session, actor, run.pool_id if run is not None else None,
                        NotFound("No such planning run."))
    return run


def get_plan(session: Session, actor: Member, run_id: int) -> PlanView:
    run = _coordinated_run(session, actor, run_id)
    finished = run.status == PlanningStatus.finished and run.result_json is not None
    return PlanView(run, json.loads(run.result_json) if finished else None)


def finished_plan(session: Session, actor: Member, run_id: int) -> PlanView:
    """A run with its report; a run still being computed, or failed, has none to give (409)."""
    view = get_plan(session, actor, run_id)
    if view.report is None:
        raise Conflict("Plan %(id)s is %(status)s: it has no report yet.", id=run_id,
                       status=Term(view.run.status.value))
    return view
