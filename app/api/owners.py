"""Members' own items through the API: list one, its windows and exceptions, approve borrowers, see who
borrowed it, withdraw it; the pool's bounds on owners' shares. POSTs accept an Idempotency-Key."""
from __future__ import annotations


from flask import Response, jsonify, request

from app.api.replies import posted as _posted
from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.serialise import rfc3339
from app.api.input import datetime_field, json_body
from app.api.owners_schemas import (
    BOUNDS_REQUEST, DECISION_REQUEST, DISPUTE_REQUEST, EXCEPTION_REQUEST, OWNED_ITEM_REQUEST, TERMS_REQUEST,
    WINDOWS_REQUEST, WITHDRAW_REQUEST,
)
from app.extensions import db
from fleet.core.db import utcnow
from fleet.owners import approvals, disputes, listing, terms, windows, withdrawal
from fleet.owners.windows import WindowInput


def owned_item(item) -> dict:
    asset = item.asset
    return {"id": item.id, "asset_id": asset.id, "name": asset.name, "category_id": asset.category_id,
            "hub_id": asset.hub_id, "at_owner_place": item.at_owner_place, "timezone": item.timezone,
            "approval_mode": item.approval_mode.value, "owner_share_percent": item.owner_share_percent,
            "listed_at": rfc3339(item.listed_at), "withdrawn_at": rfc3339(item.withdrawn_at),
            "windows": [{"weekday": w.weekday, "start": windows.clock(w.start_minute),
                         "end": windows.clock(w.end_minute)} for w in item.windows],
            "exceptions": [exception(x) for x in item.exceptions]}


def exception(x) -> dict:
    return {"id": x.id, "kind": x.kind.value, "start": rfc3339(x.start_at), "end": rfc3339(x.end_at), "note": x.note}


def _windows(data: list) -> list[WindowInput]:
    return [WindowInput(w["weekday"], w["start"], w["end"]) for w in data]


@bp.get("/owned-items")
def list_owned_items():
    return jsonify({"items": [owned_item(i) for i in listing.my_items(db.session, actor())]})


@bp.post("/owned-items")
def create_owned_item():
    data = json_body(OWNED_ITEM_REQUEST)

    def make() -> dict:
        place = data.get("place")
        item = listing.list_item(db.session, actor(), listing.ItemInput(
            name=data["name"], category_id=data["category_id"], description=data.get("description", ""),
            asset_type=data.get("type", ""), capabilities=data.get("capabilities") or {},
            hub_id=data.get("hub_id"), place=(place["lat"], place["lon"]) if place else None,
            timezone=data.get("timezone"), approval_mode=data.get("approval_mode", "first_time"),
            owner_share_percent=data.get("owner_share_percent"), meter_unit=data.get("meter_unit"),
            windows=_windows(data.get("windows", []))), utcnow())
        return owned_item(item)
    return _posted(201, make)


@bp.get("/owned-items/<id:item_id>")
def get_owned_item(item_id: int):
    return jsonify(owned_item(listing.get_owned_item(db.session, actor(), item_id)))


@bp.patch("/owned-items/<id:item_id>")
def update_owned_item_terms(item_id: int):
    windows.owned_by(db.session, actor(), item_id)  # who may, before what was sent
    data = json_body(TERMS_REQUEST)
    item = listing.update_terms(db.session, actor(), item_id, approval_mode=data.get("approval_mode"),
                                owner_share_percent=data.get("owner_share_percent"))
    return jsonify(owned_item(item))


@bp.put("/owned-items/<id:item_id>/windows")
def set_owned_item_windows(item_id: int):
    windows.owned_by(db.session, actor(), item_id)
    data = json_body(WINDOWS_REQUEST)
    return jsonify(owned_item(windows.set_windows(db.session, actor(), item_id, _windows(data["windows"]))))


@bp.post("/owned-items/<id:item_id>/exceptions")
def create_availability_exception(item_id: int):
    windows.owned_by(db.session, actor(), item_id)
    data = json_body(EXCEPTION_REQUEST)
    start, end = datetime_field(data, "start"), datetime_field(data, "end")

    def make() -> dict:
        result = windows.add_exception(db.session, actor(), item_id, data["kind"], start, end, data.get("note", ""),
                                       utcnow())
        return {"exception": exception(result.exception), "released_booking_ids": [b.id for b in result.released]}
    return _posted(201, make)


@bp.delete("/owned-items/<id:item_id>/exceptions/<id:exception_id>")
def delete_availability_exception(item_id: int, exception_id: int):
    windows.remove_exception(db.session, actor(), item_id, exception_id)
    return Response(status=204)


@bp.get("/owned-items/<id:item_id>/borrowings")
def list_borrowings(item_id: int):
    rows = approvals.borrowings(db.session, actor(), item_id)
    return jsonify({"items": [{
        "booking": out.booking(b.booking), "borrower_name": b.borrower_name,
        "meter_out": b.check_out.meter_reading if b.check_out else None,
        "meter_in": b.check_in.meter_reading if b.check_in else None,
        "damage_report_ids": [d.id for d in b.damage]} for b in rows]})


@bp.get("/owned-items/<id:item_id>/future-bookings")
def list_future_bookings(item_id: int):
    rows = withdrawal.future_bookings(db.session, actor(), item_id, utcnow())
    return jsonify({"items": [out.booking(b) for b in rows]})


@bp.post("/owned-items/<id:item_id>/withdraw")
def withdraw_owned_item(item_id: int):
    listing.get_owned_item(db.session, actor(), item_id)
    data = json_body(WITHDRAW_REQUEST)
    decisions = {d["booking_id"]: d["decision"] for d in data["decisions"]}
    return _posted(200, lambda: {"released_booking_ids": [
        b.id for b in withdrawal.withdraw(db.session, actor(), item_id, decisions, utcnow())]})


@bp.get("/owned-items/approvals")
def list_owner_approvals():
    return jsonify({"items": [out.booking(b) for b in approvals.waiting_for_owner(db.session, actor())]})


def _decide(booking_id: int, approve: bool) -> Response:
    data = json_body(DECISION_REQUEST) if request.get_data() else {}
    return _posted(200, lambda: out.booking(approvals.decide(db.session, actor(), booking_id, approve, utcnow(),
                                                             data.get("reason", ""))))


@bp.post("/owned-items/bookings/<id:booking_id>/approve")
def owner_approve_booking(booking_id: int):
    return _decide(booking_id, True)


@bp.post("/owned-items/bookings/<id:booking_id>/reject")
def owner_reject_booking(booking_id: int):
    return _decide(booking_id, False)


@bp.post("/damage-reports/<id:report_id>/dispute")
def dispute_damage(report_id: int):
    disputes.disputable(db.session, actor(), report_id)
    data = json_body(DISPUTE_REQUEST)
    return _posted(200, lambda: {"report_id": disputes.dispute_damage(db.session, actor(), report_id, data["reason"],
                                                                      utcnow()).id})


@bp.get("/owner-share-bounds")
def get_share_bounds():
    bounds = terms.share_bounds(db.session)
    return jsonify({"min_percent": bounds.min_percent, "max_percent": bounds.max_percent})


@bp.put("/owner-share-bounds")
@coordinator_only
def set_share_bounds():
    data = json_body(BOUNDS_REQUEST)
    bounds = terms.set_share_bounds(db.session, actor(), data["min_percent"], data["max_percent"], utcnow())
    return jsonify({"min_percent": bounds.min_percent, "max_percent": bounds.max_percent})
