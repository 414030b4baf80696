"""Lending agreements between pools through the API: list, offer, get, accept, end (coordinators of either
pool; fleet/booking/lending_agreements.py decides who may do what). POSTs accept an Idempotency-Key."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api import serialise as out
from app.api.agreements_schemas import AGREEMENT_OFFER
from app.api.auth import actor, coordinator_only
from app.api.input import json_body
from app.api.replies import posted
from app.extensions import db
from fleet.booking import lending_agreements as agreements
from fleet.core.db import utcnow


def agreement_body(a) -> dict:
    return {"id": a.id, "lender": out.pool(a.lender), "borrower": out.pool(a.borrower), "status": a.status.value,
            "categories": [{"id": c.id, "name": c.name} for c in a.categories],
            "requires_approval": a.requires_approval, "max_at_once": a.max_at_once,
            "max_hours_per_week": a.max_hours_per_week, "max_bookings_per_week": a.max_bookings_per_week,
            "created_at": out.rfc3339(a.created_at), "accepted_at": out.rfc3339(a.accepted_at),
            "ended_at": out.rfc3339(a.ended_at)}


@bp.get("/agreements")
@coordinator_only
def list_agreements():
    return jsonify({"items": [agreement_body(a) for a in agreements.list_agreements(db.session, actor())]})


@bp.post("/agreements")
@coordinator_only
def offer_agreement():
    data = json_body(AGREEMENT_OFFER)
    return posted(201, lambda: agreement_body(agreements.offer_agreement(
        db.session, actor(), lender_pool_id=data.get("lender_pool_id"), borrower_pool_id=data["borrower_pool_id"],
        category_ids=data["category_ids"], requires_approval=data.get("requires_approval", False),
        max_at_once=data.get("max_at_once"), max_hours_per_week=data.get("max_hours_per_week"),
        max_bookings_per_week=data.get("max_bookings_per_week"), now=utcnow())))


@bp.get("/agreements/<id:agreement_id>")
@coordinator_only
def get_agreement(agreement_id: int):
    return jsonify(agreement_body(agreements.get_agreement(db.session, actor(), agreement_id)))


@bp.post("/agreements/<id:agreement_id>/accept")
@coordinator_only
def accept_agreement(agreement_id: int):
    return posted(200, lambda: agreement_body(agreements.accept_agreement(db.session, actor(), agreement_id,
                                                                          utcnow())))


@bp.post("/agreements/<id:agreement_id>/end")
@coordinator_only
def end_agreement(agreement_id: int):
    return posted(200, lambda: agreement_body(agreements.end_agreement(db.session, actor(), agreement_id, utcnow())))
