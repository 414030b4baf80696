"""Prices for members: the estimate of a booking (JSON for the booking form's script, same figures as the page
renders without it), and coordinators' adjustments of a charge."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from app.extensions import db
from app.forms import field_errors
from app.transaction import flash_on_refusal
from app.web.costs import statement_response
from fleet.booking.charges import adjust_charge, adjustments_of, coordinated_charge, get_charge
from fleet.catalogue.assets import get_asset
from fleet.catalogue.tariffs import estimate_price
from fleet.core import money
from fleet.core.db import utcnow
from fleet.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from fleet.core.localtime import parse_local
from fleet.models import AssetStatus
from fleet.reporting.statements import statement_member

bp = Blueprint("prices", __name__)


def price_for_form(asset, form) -> tuple[object | None, dict]:
    """The estimate for the start and end typed in the booking form (hub time), or None; errors by field."""
    start_text, end_text = (form.get("start") or "").strip(), (form.get("end") or "").strip()
    if not start_text or not end_text:
        return None, {}
    try:
        start = parse_local(start_text, asset.hub.timezone, field="start")
        end = parse_local(end_text, asset.hub.timezone, field="end")
        return estimate_price(db.session, asset, start, end), {}
    except DomainError as exc:
        return None, field_errors(exc)


@bp.route("/assets/<int:asset_id>/price")
def estimate(asset_id: int):
    """What booking the asset from `start` to `end` (hub time, as the form's fields send them) would cost."""
    asset = get_asset(db.session, asset_id)
    if asset.status == AssetStatus.retired and not (current_user.is_authenticated and current_user.is_coordinator):
        raise NotFound("No such asset.")
    price, errors = price_for_form(asset, request.args)
    if errors:
        return jsonify({"error": next(iter(errors.values()))}), 422
    if price is None:
        return jsonify({"free": True, "text": _("Free to use.") if request.args.get("start") else ""})
    return jsonify({"free": False, "amount_minor": price.amount_minor, "currency": price.currency,
                    "computation": price.computation,
                    "text": f'{escape(_("Estimated price:"))} {render_template("costs/_price.html", price=price).strip()}'})


@bp.route("/manage/charges/<int:entry_id>/adjust", methods=["POST"])
@login_required
def adjust(entry_id: int):
    if not current_user.is_coordinator:
        raise Forbidden("Only coordinators can do that.")
    coordinated_charge(db.session, current_user, entry_id)  # who may, before what was sent
    flash_on_refusal(url_for("prices.charge_detail", entry_id=entry_id), unless=(403, 404))
    text = (request.form.get("amount") or "").strip()
    negative = text.startswith("-")
    minor = money.parse_amount(text.lstrip("-").strip(), field="amount", allow_zero=False) if text else None
    if minor is None:
        raise ValidationFailed("Enter an amount, e.g. 12.50.", field="amount")
    entry = adjust_charge(db.session, current_user, entry_id, -minor if negative else minor,
                          request.form.get("reason", ""), utcnow())
    flash(_("Adjustment of %(amount)s recorded for charge %(charge)s.",
            amount=current_app.jinja_env.filters["money"](entry.amount_minor, entry.currency),
            charge=entry_id), "success")
    return redirect(url_for("prices.charge_detail", entry_id=entry_id))


@bp.route("/my/charges/<int:entry_id>")
@login_required
def charge_detail(entry_id: int):
    entry = get_charge(db.session, current_user, entry_id)
    return render_template("costs/charge.html", entry=entry, adjustments=adjustments_of(db.session, entry))


@bp.route("/manage/members/<int:member_id>/statement")
@login_required
def member_statement(member_id: int):
    """A member's monthly statement, for coordinators."""
    if not current_user.is_coordinator:
        raise Forbidden("Only coordinators can do that.")
    member = statement_member(db.session, current_user, member_id)
    return statement_response(member, url_for("prices.member_statement", member_id=member.id))
