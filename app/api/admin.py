"""Coordinator endpoints: hubs, categories, assets, maintenance windows.

Updates are PATCH: the given fields replace the current ones and the whole object is validated again by the
same service the web UI uses."""
from __future__ import annotations

from datetime import date

from flask import jsonify

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.input import datetime_field, json_body
from app.api.schemas import (
    ASSET_CREATE, ASSET_UPDATE, CATEGORY_CREATE, CATEGORY_NAMES, CATEGORY_UPDATE, HUB_CREATE, HUB_UPDATE, MAINTENANCE_REQUEST,
)
from app.extensions import db
from fleet.catalogue import assets as asset_service
from fleet.catalogue import categories as category_service
from fleet.catalogue import hubs as hub_service
from fleet.booking import maintenance as maintenance_service
from fleet.catalogue.capabilities import format_schema
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models import AssetStatus


def _created(body: dict):
    return jsonify(body), 201


# --- hubs ----------------------------------------------------------------------------------------------------

def _hub_fields(h) -> dict:
    return {"name": h.name, "address": h.address, "lat": h.lat, "lon": h.lon, "timezone": h.timezone,
            "opening_hours": h.opening_hours}


@bp.post("/hubs")
@coordinator_only
def create_hub():
    data = json_body(HUB_CREATE)
    hub = hub_service.create_hub(db.session, actor(), **{"opening_hours": "24/7", "address": "", **data})
    return _created(out.hub(hub))


@bp.patch("/hubs/<id:hub_id>")
@coordinator_only
def update_hub(hub_id: int):
    data = json_body(HUB_UPDATE)
    current = _hub_fields(hub_service.get_coordinated_hub(db.session, actor(), hub_id))
    hub = hub_service.update_hub(db.session, actor(), hub_id, **{**current, **data})
    return jsonify(out.hub(hub))


@bp.post("/hubs/<id:hub_id>/retire")
@coordinator_only
def retire_hub(hub_id: int):
    hub = hub_service.set_hub_retired(db.session, actor(), hub_id, True)
    return jsonify(out.hub(hub))


# --- categories ------------------------------------------------------------------------------------------------

CATEGORY_DEFAULTS = {"description": "", "min_duration_minutes": 30, "max_duration_minutes": 7 * 1440,
                     "min_notice_minutes": 0, "max_advance_days": 90, "approval_required": False,
                     "capability_schema": {}}


def _category_fields(c) -> dict:
    return {"name": c.name, "kind": c.kind.value, "description": c.description,
            "min_duration_minutes": c.min_duration_minutes, "max_duration_minutes": c.max_duration_minutes,
            "min_notice_minutes": c.min_notice_minutes, "max_advance_days": c.max_advance_days,
            "approval_required": c.approval_required, "capability_schema": c.capability_schema or {},
            "handover_by_coordinator": c.handover_by_coordinator, "no_show_grace_minutes": c.no_show_grace_minutes,
            "condition_checklist": c.checklist_items}


def _schema_text(fields: dict) -> dict:
    return {**fields, "capability_schema": format_schema(fields["capability_schema"])}


@bp.post("/categories")
@coordinator_only
def create_category():
    data = json_body(CATEGORY_CREATE)
    category = category_service.create_category(db.session, actor(), **_schema_text({**CATEGORY_DEFAULTS, **data}))
    return _created(out.category(category))


@bp.patch("/categories/<id:category_id>")
@coordinator_only
def update_category(category_id: int):
    data = json_body(CATEGORY_UPDATE)
    current = _category_fields(category_service.get_coordinated_category(db.session, actor(), category_id))
    category = category_service.update_category(db.session, actor(), category_id, **_schema_text({**current, **data}))
    return jsonify(out.category(category))


@bp.put("/categories/<id:category_id>/names")
@coordinator_only
def set_category_names(category_id: int):
    """The category's name in each language; a language left out or empty falls back to the default name."""
    names = json_body(CATEGORY_NAMES)
    category = category_service.set_category_names(db.session, actor(), category_id, names)
    return jsonify(out.category(category))


@bp.post("/categories/<id:category_id>/retire")
@coordinator_only
def retire_category(category_id: int):
    category = category_service.set_category_retired(db.session, actor(), category_id, True)
    return jsonify(out.category(category))


# --- assets ----------------------------------------------------------------------------------------------------

def _asset_fields(a) -> dict:
    return {"name": a.name, "description": a.description, "category_id": a.category_id, "hub_id": a.hub_id,
            "capabilities": dict(a.capabilities or {}), "status": a.status.value, "design_url": a.design_url,
            "design_licence": a.design_licence, "purchase_cost_minor": a.purchase_cost_minor,
            "currency": a.currency, "purchase_date": a.purchase_date,
            "meter_unit": a.meter_unit.value if a.meter_unit else None, "type": a.asset_type,
            "use_instructions": a.use_instructions}


def _parse_date(fields: dict) -> dict:
    if "type" in fields:  # the API's name for the asset's type inside its category
        fields["asset_type"] = fields.pop("type") or ""
    value = fields.get("purchase_date")
    if isinstance(value, str):
        try:
            fields["purchase_date"] = date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed("purchase_date must be YYYY-MM-DD.", field="purchase_date") from None
    return fields


@bp.post("/assets")
@coordinator_only
def create_asset():
    data = json_body(ASSET_CREATE)
    asset = asset_service.create_asset(db.session, actor(), now=utcnow(), **_parse_date({"capabilities": {}, **data}))
    return _created(out.asset(asset))


@bp.patch("/assets/<id:asset_id>")
@coordinator_only
def update_asset(asset_id: int):
    data = json_body(ASSET_UPDATE)
    current = _asset_fields(asset_service.get_coordinated_asset(db.session, actor(), asset_id))
    asset = asset_service.update_asset(db.session, actor(), asset_id, now=utcnow(), **_parse_date({**current, **data}))
    return jsonify(out.asset(asset))


@bp.post("/assets/<id:asset_id>/retire")
@coordinator_only
def retire_asset(asset_id: int):
    asset = asset_service.set_asset_status(db.session, actor(), asset_id, AssetStatus.retired, now=utcnow())
    return jsonify(out.asset(asset))


# --- maintenance -----------------------------------------------------------------------------------------------

@bp.get("/assets/<id:asset_id>/maintenance")
@coordinator_only
def list_maintenance(asset_id: int):
    asset = asset_service.get_coordinated_asset(db.session, actor(), asset_id)
    return jsonify({"items": [out.maintenance(m) for m in asset.maintenance_windows]})


@bp.post("/assets/<id:asset_id>/maintenance")
@coordinator_only
def create_maintenance(asset_id: int):
    asset_service.get_coordinated_asset(db.session, actor(), asset_id)  # who may, before what was sent
    data = json_body(MAINTENANCE_REQUEST)
    window, hit = maintenance_service.add_maintenance_window(
        db.session, actor(), asset_id, datetime_field(data, "start"), datetime_field(data, "end"),
        data.get("reason", ""), utcnow())
    body = out.maintenance(window, hit)
    return _created(body)


@bp.delete("/maintenance/<id:window_id>")
@coordinator_only
def delete_maintenance(window_id: int):
    maintenance_service.delete_maintenance_window(db.session, actor(), window_id)
    return "", 204
