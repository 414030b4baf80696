"""Bookings through the API: create (idempotent), list, read, cancel; coordinators approve and reject."""
from __future__ import annotations

import json

from flask import Response, jsonify, request, url_for

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.input import datetime_arg, datetime_field, int_arg, json_body, page_args
from app.api.schemas import BOOKING_REQUEST, DECISION_REQUEST
from app.extensions import db
from fleet.booking import bookings as booking_service
from fleet.booking.charges import booking_price
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed
from fleet.members.idempotency import claim_key, fingerprint, remember_response


@bp.post("/bookings")
def create_booking():
    data = json_body(BOOKING_REQUEST)
    member, now = actor(), utcnow()
    key = request.headers.get("Idempotency-Key")
    claim = None
    if key is not None:
        claim = claim_key(db.session, member, key, fingerprint("POST", request.path, request.get_data()), now)
        if claim.replay:
            body, status = claim.record.response_body, claim.record.status_code
            return Response(body, status=status, mimetype="application/json", headers={"Idempotent-Replayed": "true"})
    start, end = datetime_field(data, "start"), datetime_field(data, "end")
    try:
        booking = booking_service.book_asset(db.session, member, data["asset_id"], start, end, now,
                                             note=data.get("note", ""))
    except NotFound as exc:
        raise ValidationFailed(exc.template, field="asset_id", **exc.params) from None
    body = json.dumps(_with_price(booking))
    if claim is not None:
        remember_response(db.session, claim, 201, body)
    return Response(body, status=201, mimetype="application/json",
                    headers={"Location": url_for("api.get_booking", booking_id=booking.id)})


@bp.get("/bookings")
def list_bookings():
    page, per_page = page_args()
    items, total = booking_service.list_bookings(
        db.session, actor(), asset_id=int_arg("asset_id"), member_id=int_arg("member_id"),
        start=datetime_arg("from"), end=datetime_arg("until"), page=page, per_page=per_page)
    return out.page([out.booking(b) for b in items], page, per_page, total)


@bp.get("/bookings/<id:booking_id>")
def get_booking(booking_id: int):
    return jsonify(_with_price(booking_service.get_booking(db.session, actor(), booking_id)))


def _with_price(booking) -> dict:
    quote = booking_price(db.session, booking)
    return {**out.booking(booking), "price": None if quote is None else {
        "amount_minor": quote.amount_minor, "currency": quote.currency, "computation": quote.computation}}


@bp.post("/bookings/<id:booking_id>/cancel")
def cancel_booking(booking_id: int):
    booking = booking_service.cancel_booking(db.session, actor(), booking_id, utcnow())
    return jsonify(out.booking(booking))


@bp.post("/bookings/<id:booking_id>/approve")
@coordinator_only
def approve_booking(booking_id: int):
    data = json_body(DECISION_REQUEST) if request.get_data() else {}
    booking = booking_service.approve_booking(db.session, actor(), booking_id, utcnow(), data.get("reason", ""))
    return jsonify(out.booking(booking))


@bp.post("/bookings/<id:booking_id>/reject")
@coordinator_only
def reject_booking(booking_id: int):
    data = json_body(DECISION_REQUEST) if request.get_data() else {}
    booking = booking_service.reject_booking(db.session, actor(), booking_id, utcnow(), data.get("reason", ""))
    return jsonify(out.booking(booking))


from app.api import handover  # noqa: E402,F401  (check-out, check-in, damage and series routes)
