"""Who may book what through the API: qualifications, grants with expiry and their revocation, each category's
required qualifications and fair-use limits, and the approval of new accounts. POSTs accept an Idempotency-Key.
The rules themselves hold in every booking path (fleet/booking/eligibility.py)."""
from __future__ import annotations

from datetime import date

from flask import jsonify

from app.api.replies import paged as _paged, posted as _posted
from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.eligibility_schemas import (
    ACCESS_SETTINGS_REQUEST, CATEGORY_RULES_REQUEST, GRANT_REQUEST, QUALIFICATION_REQUEST, QUALIFICATION_UPDATE,
)
from app.api.input import int_arg, json_body
from app.extensions import db
from fleet.members.pools import member_pool_ids
from fleet.booking import eligibility_rules as rules
from fleet.booking.eligibility import member_qualifications
from fleet.catalogue.categories import get_category, get_coordinated_category
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.members import account_approval


def _date(value, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("'%(text)s' is not a date (YYYY-MM-DD).", field=field, text=str(value)[:40]) from None


def qualification_body(q) -> dict:
    return {"id": q.id, "name": q.name, "how_to_get": q.how_to_get}


def grant_body(g) -> dict:
    return {"id": g.id, "member_id": g.member_id, "member_name": g.member.name, "qualification_id": g.qualification_id,
            "qualification_name": g.qualification.name,
            "expires_on": g.expires_on.isoformat() if g.expires_on else None,
            "granted_at": out.rfc3339(g.granted_at), "revoked_at": out.rfc3339(g.revoked_at) if g.revoked_at else None,
            "valid_today": g.valid_on(utcnow().date())}


def rules_body(r) -> dict:
    return {"category_id": r.category.id, "qualifications": [qualification_body(q) for q in r.qualifications],
            "max_at_once": r.max_at_once, "max_hours_per_week": r.max_hours_per_week,
            "max_bookings_per_week": r.max_bookings_per_week}


def account_body(m) -> dict:
    return {"id": m.id, "name": m.name, "email": m.email, "created_at": out.rfc3339(m.created_at),
            "approved_at": out.rfc3339(m.approved_at) if m.approved_at else None}


# --- qualifications ------------------------------------------------------------------------------------------

@bp.get("/qualifications")
def list_qualifications():
    return _paged(rules.list_qualifications(db.session, member_pool_ids(db.session, actor())), qualification_body)


@bp.post("/qualifications")
@coordinator_only
def create_qualification():
    data = json_body(QUALIFICATION_REQUEST)
    return _posted(201, lambda: qualification_body(rules.create_qualification(
        db.session, actor(), data["name"], data.get("how_to_get", ""), utcnow())))


@bp.get("/qualifications/<id:qualification_id>")
@coordinator_only
def get_qualification(qualification_id: int):
    return jsonify(qualification_body(rules.get_coordinated_qualification(db.session, actor(), qualification_id)))


@bp.patch("/qualifications/<id:qualification_id>")
@coordinator_only
def update_qualification(qualification_id: int):
    data = json_body(QUALIFICATION_UPDATE)
    current = rules.get_coordinated_qualification(db.session, actor(), qualification_id)
    updated = rules.update_qualification(db.session, actor(), current.id, data.get("name", current.name),
                                         data.get("how_to_get", current.how_to_get))
    return jsonify(qualification_body(updated))


# --- grants --------------------------------------------------------------------------------------------------

@bp.get("/qualification-grants")
@coordinator_only
def list_grants():
    return _paged(rules.list_grants(db.session, actor(), int_arg("member_id")), grant_body)


@bp.post("/qualification-grants")
@coordinator_only
def grant_qualification():
    data = json_body(GRANT_REQUEST)
    expires_on = _date(data.get("expires_on"), "expires_on")
    return _posted(201, lambda: grant_body(rules.grant_qualification(
        db.session, actor(), data["member_id"], data["qualification_id"], expires_on, utcnow())))


@bp.post("/qualification-grants/<id:grant_id>/revoke")
@coordinator_only
def revoke_grant(grant_id: int):
    return _posted(200, lambda: grant_body(rules.revoke_grant(db.session, actor(), grant_id, utcnow())))


# --- categories ----------------------------------------------------------------------------------------------

@bp.get("/categories/<id:category_id>/eligibility")
def get_category_eligibility(category_id: int):
    return jsonify(rules_body(rules.category_rules(db.session, get_category(db.session, category_id))))


@bp.put("/categories/<id:category_id>/eligibility")
@coordinator_only
def set_category_eligibility(category_id: int):
    get_coordinated_category(db.session, actor(), category_id)  # who may, before what was sent
    data = json_body(CATEGORY_RULES_REQUEST)
    saved = rules.set_category_rules(db.session, actor(), category_id, data["qualification_ids"], data["max_at_once"],
                                     data["max_hours_per_week"], data["max_bookings_per_week"])
    return jsonify(rules_body(saved))


# --- accounts ------------------------------------------------------------------------------------------------

@bp.get("/access-settings")
@coordinator_only
def get_access_settings():
    return jsonify({"approve_new_accounts": account_approval.approval_required(db.session)})


@bp.put("/access-settings")
@coordinator_only
def set_access_settings():
    data = json_body(ACCESS_SETTINGS_REQUEST)
    settings = account_approval.set_approval_required(db.session, actor(), data["approve_new_accounts"], utcnow())
    return jsonify({"approve_new_accounts": settings.approve_new_accounts})


@bp.get("/accounts/waiting")
@coordinator_only
def list_waiting_accounts():
    return _paged(account_approval.accounts_waiting(db.session, actor()), account_body)


@bp.post("/accounts/<id:account_id>/approve")
@coordinator_only
def approve_account(account_id: int):
    return _posted(200, lambda: account_body(account_approval.approve_account(db.session, actor(), account_id,
                                                                              utcnow())))


@bp.get("/me/eligibility")
def my_eligibility():
    member = actor()
    held = member_qualifications(db.session, member.id, utcnow().date())
    return jsonify({"awaiting_approval": account_approval.awaiting_approval(db.session, member),
                    "qualifications": [{"name": h.qualification.name,
                                        "expires_on": h.grant.expires_on.isoformat() if h.grant.expires_on else None,
                                        "revoked": h.grant.revoked_at is not None, "valid": h.valid}
                                       for h in held]})
