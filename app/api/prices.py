"""Tariffs, price estimates, charges and their adjustments, and monthly statements through the API."""
from __future__ import annotations

import csv
import io

from flask import Response, jsonify, request

from app.api.replies import posted as _posted
from app.api import bp
from app.api.auth import actor, coordinator_only
from app.api.costs import ledger_entry
from app.api.input import datetime_arg, float_arg, int_arg, json_body
from app.api.prices_schemas import ADJUSTMENT_REQUEST, RATES, TARIFF_CREATE, TARIFF_UPDATE
from app.api.serialise import rfc3339
from app.extensions import db
from fleet.booking.charges import adjust_charge, adjustments_of, coordinated_charge, get_charge
from fleet.catalogue.assets import get_asset
from fleet.catalogue.tariffs import (
    delete_tariff, estimate_price, get_coordinated_tariff, get_tariff, list_tariffs, set_tariff,
)
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed
from fleet.models import AssetStatus
from fleet.reporting import statements

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def tariff(t) -> dict:
    return {"id": t.id, "category_id": t.category_id, "asset_id": t.asset_id, "currency": t.currency,
            "late_grace_minutes": t.late_grace_minutes or 0, **{name: getattr(t, name) for name in RATES}}


@bp.get("/assets/<id:asset_id>/price")
def asset_price(asset_id: int):
    asset = get_asset(db.session, asset_id)
    if asset.status == AssetStatus.retired and not actor().is_coordinator:
        raise NotFound("No such asset.")
    start, end = datetime_arg("start"), datetime_arg("end")
    if start is None or end is None:
        raise ValidationFailed("Give both start and end.", field="start" if start is None else "end")
    price = estimate_price(db.session, asset, start, end, float_arg("use", 0, 10_000_000))
    return jsonify({"asset_id": asset.id, "start": rfc3339(start), "end": rfc3339(end), "free": price is None,
                    "price": None if price is None else price.as_dict()})


@bp.get("/tariffs")
def list_all_tariffs():
    return jsonify({"items": [tariff(t) for t in list_tariffs(db.session)]})


@bp.post("/tariffs")
@coordinator_only
def create_tariff():
    data = json_body(TARIFF_CREATE)

    def make():
        scope = {k: data.get(k) for k in ("category_id", "asset_id")}
        return tariff(set_tariff(db.session, actor(), data, utcnow(), **scope))

    return _posted(201, make)


@bp.get("/tariffs/<id:tariff_id>")
def get_one_tariff(tariff_id: int):
    return jsonify(tariff(get_tariff(db.session, tariff_id)))


@bp.put("/tariffs/<id:tariff_id>")
@coordinator_only
def update_tariff(tariff_id: int):
    existing = get_coordinated_tariff(db.session, actor(), tariff_id)  # who may, before what was sent
    data = json_body(TARIFF_UPDATE)
    updated = set_tariff(db.session, actor(), data, utcnow(), category_id=existing.category_id,
                         asset_id=existing.asset_id)
    return jsonify(tariff(updated))


@bp.delete("/tariffs/<id:tariff_id>")
@coordinator_only
def remove_tariff(tariff_id: int):
    delete_tariff(db.session, actor(), tariff_id)
    return Response(status=204)


def charge(entry, adjustments) -> dict:
    return {"id": entry.id, "member_id": entry.member_id, "booking_id": entry.booking_id,
            "amount_minor": entry.amount_minor, "currency": entry.currency,
            "entry_date": entry.entry_date.isoformat(), "computation": entry.computation,
            "adjustments": [ledger_entry(a) for a in adjustments],
            "total_minor": entry.amount_minor + sum(a.amount_minor for a in adjustments)}


@bp.get("/charges/<id:entry_id>")
def get_one_charge(entry_id: int):
    entry = get_charge(db.session, actor(), entry_id)
    return jsonify(charge(entry, adjustments_of(db.session, entry)))


@bp.post("/charges/<id:entry_id>/adjustments")
@coordinator_only
def adjust_one_charge(entry_id: int):
    coordinated_charge(db.session, actor(), entry_id)  # who may, before what was sent
    data = json_body(ADJUSTMENT_REQUEST)
    return _posted(201, lambda: ledger_entry(adjust_charge(db.session, actor(), entry_id, data["amount_minor"],
                                                           data["reason"], utcnow())))


def _statement(member):
    # A parameter that is given must be valid: an empty month or format is a mistake, not "the default".
    if "month" in request.args and not request.args["month"].strip():
        raise ValidationFailed("A month is written YYYY-MM, e.g. 2026-11.", field="month")
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationFailed("The format is json or csv.", field="format")
    month = statements.parse_month(request.args.get("month"), utcnow().date())
    statement = statements.monthly_statement(db.session, member, month)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in statements.statement_rows(statement):
            writer.writerow(["'" + c if i in (3, 4) and c.startswith(FORMULA_STARTS) else c
                             for i, c in enumerate(row)])
        return Response(buffer.getvalue(), mimetype="text/csv")

    def amounts(balances: dict) -> list[dict]:
        return [{"currency": c, "amount_minor": balances.get(c, 0)} for c in statement.currencies()]

    return jsonify({"member_id": member.id, "month": statement.label, "opening": amounts(statement.opening),
                    "entries": [ledger_entry(e) for e in statement.entries], "closing": amounts(statement.closing)})


@bp.get("/statements")
def statement():
    """The caller's statement, or with member_id another member's for coordinators."""
    return _statement(statements.statement_member(db.session, actor(), int_arg("member_id")))
