"""Flexible requests through the API: ask, see the state (assigned with its booking, or waitlisted with the
reason and the place in the queue), withdraw."""
from __future__ import annotations

from flask import jsonify, url_for

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor
from app.api.input import datetime_field, json_body, page_args
from app.api.schemas import FLEXIBLE_REQUEST
from app.extensions import db
from fleet.allocation import flexible_requests as service
from fleet.allocation.request_prices import request_price_range
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.core.geo import distance_km


def request_json(request) -> dict:
    booking = request.booking if request.booking_id else None
    assignment = None
    if booking is not None:
        hub = booking.asset.hub
        assignment = {"asset_id": booking.asset_id, "asset_name": booking.asset.name, "hub_id": hub.id,
                      "hub_name": hub.name, "start": out.rfc3339(booking.start_at), "end": out.rfc3339(booking.end_at),
                      "distance_km": round(distance_km((request.lat, request.lon), (hub.lat, hub.lon)), 3)
                      if request.lat is not None else None}
    return {"id": request.id, "member_id": request.member_id, "category_id": request.category_id,
            "status": request.status.value, "earliest_start": out.rfc3339(request.earliest_start),
            "latest_end": out.rfc3339(request.latest_end), "duration_minutes": request.duration_minutes,
            "requires": request.requires or {}, "types": list(request.asset_types or []),
            "location": {"lat": request.lat, "lon": request.lon} if request.lat is not None else None,
            "max_distance_km": request.max_distance_km, "preferred_asset_id": request.preferred_asset_id,
            "waitlist_reason": request.waitlist_reason,
            "queue_position": service.queue_position(db.session, request),
            "booking": out.booking(booking) if booking is not None else None, "assignment": assignment,
            "created_at": out.rfc3339(request.created_at), "price_range": _price_range(request)}


def _price_range(request) -> dict | None:
    found = request_price_range(db.session, request)
    if found is None:
        return None
    low, high = found
    return {"currency": low.currency, "min_minor": low.amount_minor, "max_minor": high.amount_minor}


@bp.post("/requests")
def create_request():
    data = json_body(FLEXIBLE_REQUEST)
    location = data.get("location") or {}
    try:
        request = service.submit_request(db.session, actor(), service.RequestInput(
            category_id=data["category_id"], earliest_start=datetime_field(data, "earliest_start"),
            latest_end=datetime_field(data, "latest_end"), duration_minutes=data["duration_minutes"],
            requires=data.get("requires") or {}, lat=location.get("lat"), lon=location.get("lon"),
            max_distance_km=data.get("max_distance_km"), preferred_asset_id=data.get("preferred_asset_id"),
            note=data.get("note", ""), asset_types=data.get("types")), utcnow())
    except ValidationFailed as exc:
        if exc.field != "asset_types":
            raise
        raise ValidationFailed(exc.template, field="types", **exc.params) from None
    body = request_json(request)
    return jsonify(body), 201, {"Location": url_for("api.get_request", request_id=request.id)}


@bp.get("/requests")
def list_requests():
    page, per_page = page_args()
    items, total = service.list_requests(db.session, actor(), page, per_page)
    return out.page([request_json(r) for r in items], page, per_page, total)


@bp.get("/requests/<id:request_id>")
def get_request(request_id: int):
    return jsonify(request_json(service.get_request(db.session, actor(), request_id)))


@bp.post("/requests/<id:request_id>/cancel")
def cancel_request(request_id: int):
    request = service.cancel_request(db.session, actor(), request_id, utcnow())
    body = request_json(request)
    return jsonify(body)
