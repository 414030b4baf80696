"""Federation over HTTP.

`server_bp` is what partner installations call: the public well-known document (this installation's name,
address and public key) and the signed endpoints /federation/v1/bookings and /federation/v1/bookings/cancel
(RFC 9421 signatures, checked in fleet.federation.partner_bookings; no token, no cookie, no CSRF).

On the API blueprint (bearer tokens): coordinators manage partners (/api/v1/partners); members book a
partner's item (/api/v1/remote-bookings; the calls to the partner and why they commit twice: app/federation_calls.py)."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify, request

from app import federation_calls
from app.api import bp
from app.api.auth import actor, coordinator_only
from app.api.federation_schemas import PARTNER_REQUEST, REMOTE_BOOKING_REQUEST
from app.api.input import datetime_field, json_body
from app.api.problems import problem
from app.api.serialise import rfc3339
from app.extensions import db
from app.urls import external_root
from fleet.core.db import utcnow
from fleet.core.errors import DomainError, ValidationFailed
from fleet.federation import partners as partner_service
from fleet.federation import remote_bookings
from fleet.members.idempotency import claim_key, fingerprint, remember_response
from fleet.federation.partner_bookings import SignatureRefused, accept_signed, book_for_partner, cancel_for_partner
from fleet.models import RemoteBookingStatus, RemoteItem
from sqlalchemy import func, select

server_bp = Blueprint("federation", __name__)


# --- what partners call ---------------------------------------------------------------------------------------

@server_bp.get(partner_service.WELL_KNOWN_PATH)
def well_known():
    document = partner_service.well_known(db.session, federation_calls.installation_name(), external_root(), utcnow())
    response = jsonify(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@server_bp.errorhandler(SignatureRefused)
def _signature_refused(exc: SignatureRefused):
    db.session.rollback()
    return problem(401, str(exc), headers={"WWW-Authenticate": 'Signature realm="commonpool-federation"'})


@server_bp.errorhandler(DomainError)
def _domain(exc: DomainError):
    db.session.rollback()
    return problem(exc.status, exc.message, exc.field)


def _signed_json() -> tuple:
    """The partner that signed this request and its JSON body (a SignatureRefused or 4xx otherwise)."""
    body = request.get_data(cache=True)
    # The target URI as the signer wrote it: this installation's public address, never the Host header.
    target = external_root() + request.path
    partner = accept_signed(db.session, request.method, target, request.headers, body, utcnow(),
                            int(current_app.config.get("FEDERATION_SIGNATURE_WINDOW", 300)))
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise ValidationFailed("Send a JSON object.")
    return partner, payload


@server_bp.post(partner_service.BOOKINGS_PATH)
def partner_booking():
    partner, payload = _signed_json()
    answer = book_for_partner(db.session, partner, payload, utcnow())
    return jsonify(answer), 200


@server_bp.post(partner_service.CANCEL_PATH)
def partner_cancellation():
    partner, payload = _signed_json()
    return jsonify(cancel_for_partner(db.session, partner, payload, utcnow())), 200


# --- the API: partners (coordinators) -------------------------------------------------------------------------

def partner_json(partner) -> dict:
    items = db.session.scalar(select(func.count(RemoteItem.id)).where(RemoteItem.partner_id == partner.id))
    return {"id": partner.id, "name": partner.name, "base_url": partner.base_url, "key_id": partner.key_id,
            "status": partner.status.value, "created_at": rfc3339(partner.created_at),
            "revoked_at": rfc3339(partner.revoked_at), "last_success_at": rfc3339(partner.last_success_at),
            "last_error": partner.last_error or "", "failures": partner.failures or 0,
            "next_attempt_at": rfc3339(partner.next_attempt_at), "remote_items": items or 0}


@bp.get("/partners")
@coordinator_only
def list_partners():
    return jsonify({"items": [partner_json(p) for p in partner_service.list_partners(db.session, actor())]})


@bp.post("/partners")
@coordinator_only
def create_partner():
    data = json_body(PARTNER_REQUEST)
    partner = partner_service.register_partner(db.session, actor(), partner_service.PartnerInput(
        data["name"], data["base_url"], data["key_id"], data["public_key"]), utcnow())
    return jsonify(partner_json(partner)), 201


@bp.get("/partners/<id:partner_id>")
@coordinator_only
def get_partner(partner_id: int):
    return jsonify(partner_json(partner_service.get_partner(db.session, actor(), partner_id)))


@bp.post("/partners/<id:partner_id>/revoke")
@coordinator_only
def revoke_partner(partner_id: int):
    return jsonify(partner_json(partner_service.revoke_partner(db.session, actor(), partner_id, utcnow())))


# --- the API: members' bookings at partners -------------------------------------------------------------------

def remote_booking_json(booking) -> dict:
    return {"id": booking.id, "partner": booking.partner.name, "remote_item_id": booking.remote_item_id,
            "item_name": booking.item_name, "start": rfc3339(booking.start_at), "end": rfc3339(booking.end_at),
            "status": booking.status.value, "partner_booking_id": booking.partner_booking_id,
            "message": booking.message or "", "created_at": rfc3339(booking.created_at)}


@bp.get("/remote-bookings")
def list_remote_bookings():
    return jsonify({"items": [remote_booking_json(b)
                              for b in remote_bookings.member_remote_bookings(db.session, actor())]})


@bp.post("/remote-bookings")
def create_remote_booking():
    """With an Idempotency-Key, a retry gets the first answer (the key is committed with the pending record)."""
    data = json_body(REMOTE_BOOKING_REQUEST)
    claim = None
    if request.headers.get("Idempotency-Key") is not None:
        claim = claim_key(db.session, actor(), request.headers["Idempotency-Key"],
                          fingerprint("POST", request.path, request.get_data()), utcnow())
        if claim.replay and claim.record.status_code is None:
            return problem(409, "A request with this Idempotency-Key is still being answered; try again shortly.")
        if claim.replay:
            return Response(claim.record.response_body, status=claim.record.status_code,
                            mimetype="application/json" if claim.record.status_code < 400
                            else "application/problem+json", headers={"Idempotent-Replayed": "true"})
    booking = federation_calls.book_remote_item(actor(), data["remote_item_id"], datetime_field(data, "start"),
                                                datetime_field(data, "end"))
    if booking.status == RemoteBookingStatus.failed:
        answer = problem(503, f"{booking.partner.name} could not be reached or refused the request; nothing was "
                              f"booked ({booking.message}).", headers={"Retry-After": "60"})
    elif booking.status == RemoteBookingStatus.refused:
        answer = problem(409, f"{booking.partner.name} refused the booking: {booking.message}", field="start")
    else:
        answer = Response(json.dumps(remote_booking_json(booking)), status=201, mimetype="application/json")
    if claim is not None:  # kept whatever the answer: the outcome is recorded already
        remember_response(db.session, claim, answer.status_code, answer.get_data(as_text=True))
        db.session.commit()
    return answer


@bp.post("/remote-bookings/<id:remote_booking_id>/cancel")
def cancel_remote_booking(remote_booking_id: int):
    return jsonify(remote_booking_json(federation_calls.cancel_remote_booking(actor(), remote_booking_id)))
