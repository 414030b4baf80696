"""Fleet planning for coordinators: what the pool should buy next, move or retire, from recorded demand.

A run takes the demand recorded over a past period (bookings, rejected bookings, waitlisted and expired
flexible requests: `scheduling_adapter.planning_problem`), runs the planner of `scheduling/planning.py` on it
through the adapter, and stores the instance and the report together, so the page shows the evidence and
anyone can reproduce it with `python -m scheduling plan instance.json`.

Each recommendation is also put in impact units, from the category's impact factors (fleet/impact.py): an
asset not bought is its embodied material, energy and CO2e not spent (low / central / high, per unit), and
in money where the pool recorded a purchase cost (integer minor units).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import scheduling_adapter as adapter
from fleet.errors import NotFound, ValidationFailed
from fleet.messages import msg
from fleet.impact import MJ_PER_KWH, SCENARIOS, _effective, category_choices, factor_table
from fleet.models import Asset, Category, Hub, Member, PlanningRun
from fleet.permissions import require_coordinator

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
    in English (templates, see fleet/messages.py); the page translates them."""
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
    report: dict


def create_plan(session: Session, actor: Member, days: int, time_limit: float, now: datetime) -> PlanningRun:
    """Plan on the demand of the last `days` days, within `time_limit` seconds, and store the result."""
    require_coordinator(actor)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_PERIOD_DAYS:
        raise ValidationFailed("The period is 1 to %(days)s days.", field="days", days=MAX_PERIOD_DAYS)
    if not isinstance(time_limit, (int, float)) or not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise ValidationFailed("The time limit is 1 to %(seconds)g seconds.", field="time_limit",
                               seconds=MAX_TIME_LIMIT)
    start, end = now - timedelta(days=days), now
    problem = adapter.planning_problem(session, start, end)
    report = enrich(session, adapter.plan_fleet(problem, float(time_limit)))
    run = PlanningRun(started_by_id=actor.id, created_at=now, period_start=problem.horizon.start,
                      period_end=problem.horizon.end, time_limit_seconds=float(time_limit),
                      wall_seconds=report["wall_seconds"],
                      requests_count=len(problem.requests) + len(problem.bookings), assets_count=len(problem.assets),
                      instance_json=adapter.problem_json(problem), result_json=json.dumps(report))
    session.add(run)
    session.flush()
    return run


def list_plans(session: Session, actor: Member, limit: int = 20) -> list[PlanningRun]:
    require_coordinator(actor)
    return list(session.scalars(select(PlanningRun).order_by(PlanningRun.id.desc()).limit(limit)))


def get_plan(session: Session, actor: Member, run_id: int) -> PlanView:
    require_coordinator(actor)
    run = session.get(PlanningRun, run_id)
    if run is None:
        raise NotFound("No such planning run.")
    return PlanView(run, json.loads(run.result_json))
