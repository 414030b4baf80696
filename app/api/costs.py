"""The open-book endpoints: GET /costs (public summary), cost records and ledger entries (coordinators), and
GET /me/ledger (the caller's own). Money in and out is integer minor units with a currency."""
from __future__ import annotations

from datetime import date

from flask import jsonify

from app.api import bp
from app.api import serialise as out
from app.api.auth import PUBLIC_ENDPOINTS, actor, coordinator_only
from app.api.costs_schemas import COST_RECORD_REQUEST, LEDGER_ENTRY_REQUEST
from app.api.input import datetime_arg, int_arg, json_body, page_args
from app.extensions import db
from app.pools import chosen_pool
from app.read_replica import read_only_session
from fleet.members.pools import visible_pool_ids
from fleet.reporting import costs as cost_service
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed
from fleet.reporting.utilisation import resolve_period

PUBLIC_ENDPOINTS.add("api.costs_summary")


def _date(data: dict, name: str) -> date:
    return cost_service.parse_date(data.get(name), name)


def cost_record(r) -> dict:
    return {"id": r.id, "asset_id": r.asset_id, "kind": r.kind.value, "amount_minor": r.amount_minor,
            "currency": r.currency, "incurred_on": r.incurred_on.isoformat(), "note": r.note}


def ledger_entry(e) -> dict:
    return {"id": e.id, "member_id": e.member_id, "kind": e.kind.value, "amount_minor": e.amount_minor,
            "currency": e.currency, "entry_date": e.entry_date.isoformat(), "category_id": e.category_id,
            "booking_id": e.booking_id, "note": e.note, "computation": e.computation, "adjusts_id": e.adjusts_id}


def _page(items: list, serialise) -> dict:
    page, per_page = page_args()
    chunk = items[(page - 1) * per_page: page * per_page]
    return {"items": [serialise(i) for i in chunk], "page": page, "per_page": per_page, "total": len(items)}


@bp.get("/costs")
def costs_summary():
    now = utcnow()
    start, end = datetime_arg("from"), datetime_arg("until")
    period = cost_service.default_period(now) if start is None and end is None else \
        resolve_period(start, end, now, weeks=52)
    _pools, pool = chosen_pool(visible_pool_ids(db.session, actor()), "pool_id", blank=False)
    if pool is None:
        raise NotFound("No such pool.")
    summary = cost_service.cost_summary(read_only_session(), period, pool.id)
    return jsonify({**summary.as_dict(), "for_pool": out.pool(pool)})


@bp.get("/cost-records")
@coordinator_only
def list_cost_records():
    records = cost_service.list_cost_records(db.session, actor(), asset_id=int_arg("asset_id"), limit=100000)
    return jsonify(_page(records, cost_record))


@bp.post("/cost-records")
@coordinator_only
def create_cost_record():
    data = json_body(COST_RECORD_REQUEST)
    record = cost_service.record_cost(db.session, actor(), data["asset_id"], data["kind"], data["amount_minor"],
                                      data["currency"], _date(data, "incurred_on"), data.get("note", ""), utcnow())
    body = cost_record(record)
    return jsonify(body), 201


@bp.get("/ledger-entries")
@coordinator_only
def list_ledger_entries():
    entries = cost_service.list_ledger_entries(db.session, actor(), member_id=int_arg("member_id"), limit=100000)
    return jsonify(_page(entries, ledger_entry))


@bp.post("/ledger-entries")
@coordinator_only
def create_ledger_entry():
    data = json_body(LEDGER_ENTRY_REQUEST)
    if "amount_minor" not in data and data["kind"] == "payment":
        raise ValidationFailed("A payment needs amount_minor.", field="amount_minor")
    entry = cost_service.record_ledger_entry(db.session, actor(), data["member_id"], data["kind"],
                                             data.get("amount_minor"), data.get("currency"),
                                             _date(data, "entry_date"), data.get("note", ""), utcnow(),
                                             booking_id=data.get("booking_id"))
    body = ledger_entry(entry)
    return jsonify(body), 201


@bp.get("/me/ledger")
def my_ledger():
    ledger = cost_service.member_ledger(db.session, actor())
    return jsonify({"entries": [ledger_entry(e) for e in ledger.entries],
                    "balances": [{"currency": c, "amount_minor": v} for c, v in sorted(ledger.balances.items())]})
