"""Open-book costs for coordinators: record asset costs, set category usage fees (with the suggestion from
recorded costs and use), record fees and payments in members' ledgers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import chosen_pool, coordinated
from app.forms import field_errors, optional_int
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.reporting import costs as cost_service
from fleet.core import money
from fleet.catalogue.assets import list_assets
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models import CostKind, LedgerKind


def _costs_page(form: dict, errors: dict, status: int = 200):
    now = utcnow()
    pools, pool = chosen_pool(coordinated())
    summary = cost_service.cost_summary(db.session, cost_service.default_period(now), pool.id if pool else -1)
    return render_template("manage/costs.html", records=cost_service.list_cost_records(db.session, current_user),
                           summary=summary, assets=list_assets(db.session, pool_ids=coordinated()), kinds=[k.value for k in CostKind],
                           form=form, errors=errors, today=now.date().isoformat()), status


def _optional_amount(form, name: str) -> int | None:
    text = (form.get(name) or "").strip()
    return None if not text else money.parse_amount(text, field=name)


@bp.route("/costs")
def costs():
    return _costs_page({"currency": money.DEFAULT_CURRENCY}, {})


@bp.route("/costs", methods=["POST"])
def record_cost():
    form = request.form
    on_refusal(lambda exc: _costs_page(form.to_dict(), field_errors(exc), exc.status), unless=(403, 404))
    asset_id = optional_int(form, "asset_id")
    if asset_id is None:
        raise ValidationFailed("Choose an asset.", field="asset_id")
    record = cost_service.record_cost(
        db.session, current_user, asset_id, form.get("kind", ""), money.parse_amount(form.get("amount")),
        form.get("currency", ""), cost_service.parse_date(form.get("incurred_on"), "incurred_on"),
        form.get("note", ""), utcnow())
    flash(_("Recorded %(kind)s of %(asset)s.", kind=record.kind.value, asset=record.asset.name), "success")
    return redirect(url_for("manage.costs"))


@bp.route("/costs/fees/<id:category_id>", methods=["POST"])
def set_fee(category_id: int):
    form = request.form
    on_refusal(lambda exc: _costs_page({"fee_category": category_id, **form.to_dict()}, field_errors(exc), exc.status),
               unless=(403, 404))
    fee = cost_service.set_category_fee(db.session, current_user, category_id,
                                        _optional_amount(form, "per_hour"), _optional_amount(form, "per_km"),
                                        form.get("currency", ""), utcnow())
    flash(_("Usage fee of %(category)s saved.", category=fee.category.name), "success")
    return redirect(url_for("manage.costs") + "#fees")


def _ledger_page(form: dict, errors: dict, status: int = 200):
    return render_template("manage/ledger.html", entries=cost_service.list_ledger_entries(db.session, current_user),
                           kinds=[LedgerKind.fee.value, LedgerKind.payment.value], form=form, errors=errors,
                           today=utcnow().date().isoformat()), status


@bp.route("/ledger")
def ledger():
    return _ledger_page({"currency": money.DEFAULT_CURRENCY, "kind": "fee"}, {})


@bp.route("/ledger", methods=["POST"])
def record_ledger_entry():
    form = request.form
    on_refusal(lambda exc: _ledger_page(form.to_dict(), field_errors(exc, {"amount_minor": "amount"}), exc.status),
               unless=(403, 404))
    member_id = cost_service.member_id_for_email(db.session, form.get("member"))
    entry = cost_service.record_ledger_entry(
        db.session, current_user, member_id, form.get("kind", ""), _optional_amount(form, "amount"),
        (form.get("currency") or "").strip() or None,
        cost_service.parse_date(form.get("entry_date"), "entry_date"), form.get("note", ""), utcnow(),
        booking_id=optional_int(form, "booking_id"))
    flash(_("Recorded a %(kind)s for %(member)s.", kind=entry.kind.value, member=entry.member.name), "success")
    return redirect(url_for("manage.ledger"))
