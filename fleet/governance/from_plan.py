"""A coordinator turns a fleet-plan recommendation into a proposal, with the plan's evidence attached: the unmet
demand of the category, the utilisation, the cost per hour of use from the open book, the impact band (CO2e
embodied, low / central / high) and what the plan expects the change to gain or lose.

The title is written in English from the plan's names, like the plan's own labels; members edit nothing here,
the evidence is the plan's."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.governance.proposals import open_proposal
from fleet.members.permissions import require_coordinator
from fleet.models import Asset, Member, Proposal
from fleet.reporting import costs as cost_service
from fleet.reporting.fleet_plans import finished_plan

# the report's list of each recommendation kind, and the proposal kind it becomes
SECTIONS = {"acquisition": ("acquisitions", "acquire"), "retirement": ("retirements", "retire"),
            "move": ("moves", "move")}


def _int_id(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def evidence_for(session: Session, report: dict, item: dict, run, now: datetime) -> dict:
    category = next((c for c in report.get("categories", []) if c.get("category") == item.get("category")), {})
    base = item.get("before") or category.get("base") or {}
    period_hours = max((run.period_end - run.period_start).total_seconds() / 3600, 1.0)
    asset_hours = category.get("asset_hours") or {}
    if item.get("asset") is not None:
        used = asset_hours.get(item["asset"], 0.0)
        utilisation = round(100 * used / period_hours, 1)
    else:
        used = sum(asset_hours.values())
        utilisation = round(100 * used / (period_hours * max(len(asset_hours), 1)), 1)
    costs = cost_service.cost_summary(session, cost_service.default_period(now), run.pool_id)
    row = next((c for c in costs.categories if str(c.category_id) == str(item.get("category"))), None)
    per_hour = row.cost_per_hour() if row is not None else None
    impact = (item.get("impact") or {}).get("impact") or {}
    served, requests = base.get("served"), base.get("requests")
    change = item.get("gain_weighted_hours", item.get("loss_weighted_hours"))
    return {
        "planning_run_id": run.id,
        "period": {"start": run.period_start.isoformat(), "end": run.period_end.isoformat()},
        "unmet_demand": {"requests": requests, "served": served,
                         "unserved": None if served is None or requests is None else requests - served,
                         "hours": (category.get("demand") or {}).get("hours")},
        "utilisation_percent": utilisation,
        "cost_per_hour": None if per_hour is None else per_hour.as_list(),
        "impact_band_co2e_kg": impact.get("co2e_kg"),
        "weighted_hours_change": change,
        "purchase_cost": (item.get("impact") or {}).get("purchase_cost") or [],
    }


def propose_from_plan(session: Session, actor: Member, run_id: int, section: str, index: int,
                      now: datetime) -> Proposal:
    require_coordinator(actor)
    if section not in SECTIONS:
        raise ValidationFailed("The recommendation is an acquisition, a retirement or a move.", field="section")
    view = finished_plan(session, actor, run_id)
    items = view.report.get(SECTIONS[section][0], [])
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
        raise ValidationFailed("No such recommendation in this plan.", field="index")
    item, names = items[index], view.report.get("names", {})
    evidence = evidence_for(session, view.report, item, view.run, now)
    category_name = names.get("categories", {}).get(item.get("category"), item.get("category"))
    hub_names = names.get("hubs", {})
    kind = SECTIONS[section][1]
    fields: dict = {}
    if kind == "acquire":
        template = session.get(Asset, _int_id(item.get("template")) or 0)
        title = "Acquire another %s for %s" % (category_name, hub_names.get(item.get("hub"), item.get("hub")))
        cost = evidence["purchase_cost"][0] if evidence["purchase_cost"] else None
        fields = dict(category_id=_int_id(item.get("category")), target_hub_id=_int_id(item.get("hub")),
                      amount_minor=cost["amount_minor"] if cost else ((template.purchase_cost_minor or 0)
                                                                      if template else 0),
                      currency=cost["currency"] if cost else (template.currency if template else "EUR"))
    else:
        asset_name = names.get("assets", {}).get(item.get("asset"), item.get("asset"))
        fields = dict(asset_id=_int_id(item.get("asset")))
        if kind == "retire":
            title = "Retire or sell %s (%s)" % (asset_name, category_name)
        else:
            title = "Move %s to %s" % (asset_name, hub_names.get(item.get("to"), item.get("to")))
            fields["target_hub_id"] = _int_id(item.get("to"))
    body = "From fleet plan %s (%s to %s)." % (view.run.id, view.run.period_start.date().isoformat(),
                                               view.run.period_end.date().isoformat())
    return open_proposal(session, actor, now, kind=kind, title=title[:200], body=body, evidence=evidence,
                         planning_run_id=view.run.id, **fields)
