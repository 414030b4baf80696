"""Coordinator pages for assets: list with filters, create (category first), edit, retire."""
from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from app.forms import MAX_INT, field_errors, optional_int
from app.transaction import on_refusal
from app.uploads import photo_limit_text
from app.web.manage import bp
from fleet.catalogue import assets as asset_service
from fleet.catalogue.asset_types import category_types
from fleet.catalogue.categories import get_coordinated_category, list_categories
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed
from fleet.catalogue.hubs import list_hubs
from fleet.models import AssetStatus, MeterUnit

_AMOUNT = re.compile(r"^[0-9]+(?:[.,][0-9]{1,2})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def amount_minor(form, name: str) -> int | None:
    """'1250', '1250.5' or '1250,50' (a decimal amount) -> 125050 minor units (cents); blank -> None."""
    text = (form.get(name) or "").strip().replace(" ", "")
    if not text:
        return None
    if text.startswith("-"):
        raise ValidationFailed("The purchase cost must be zero or more.", field=name)
    if not _AMOUNT.match(text):
        raise ValidationFailed("'%(text)s' is not an amount; write e.g. 1250 or 1250.50.", field=name, text=text)
    whole, _, cents = text.replace(",", ".").partition(".")
    minor = int(whole) * 100 + int(cents.ljust(2, "0") if cents else 0)
    if minor > MAX_INT:
        raise ValidationFailed("That amount is too large.", field=name)
    return minor


def optional_date(form, name: str) -> date | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        if not _DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("'%(text)s' is not a date; write YYYY-MM-DD.", field=name, text=text) from None


def _format_amount(minor: int | None) -> str:
    return "" if minor is None else f"{minor // 100}.{minor % 100:02d}"


def _format_capability(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else str(value)


@bp.route("/assets")
def assets():
    on_refusal(lambda exc: _assets_page([], field_errors(exc), exc.status), unless=())
    raw_status = request.args.get("status") or None
    try:
        wanted_status = AssetStatus(raw_status) if raw_status else None
    except ValueError:
        raise ValidationFailed("Status must be active, maintenance or retired.", field="status") from None
    rows = asset_service.list_assets(db.session, hub_id=optional_int(request.args, "hub"),
                                     category_id=optional_int(request.args, "category"), status=wanted_status,
                                     pool_ids=coordinated())
    return _assets_page(rows, {}, 200)


def _assets_page(rows: list, errors: dict, status: int):
    return render_template("manage/assets.html", assets=rows, args=request.args, errors=errors,
                           hubs=list_hubs(db.session, include_retired=True, pool_ids=coordinated()),
                           categories=list_categories(db.session, include_retired=True, pool_ids=coordinated()),
                           statuses=[s.value for s in AssetStatus]), status


@bp.route("/assets/new", methods=["GET", "POST"])
def new_asset():
    return _asset_form(None)


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
def edit_asset(asset_id: int):
    return _asset_form(asset_service.get_coordinated_asset(db.session, current_user, asset_id))


def _values(asset) -> dict:
    if asset is None:
        return {"status": "active", "currency": "EUR", "meter_unit": ""}
    values = {"name": asset.name, "description": asset.description, "hub_id": asset.hub_id,
              "status": asset.status.value, "design_url": asset.design_url, "design_licence": asset.design_licence,
              "purchase_cost": _format_amount(asset.purchase_cost_minor), "currency": asset.currency,
              "purchase_date": asset.purchase_date.isoformat() if asset.purchase_date else "",
              "meter_unit": asset.meter_unit.value if asset.meter_unit else "", "asset_type": asset.asset_type,
              "use_instructions": asset.use_instructions}
    values.update({f"cap_{k}": _format_capability(v) for k, v in (asset.capabilities or {}).items()})
    return values


def _fields(form) -> dict:
    # A bool capability arrives as a hidden "no" followed by the checkbox's "yes": the last value counts.
    capabilities = {key[4:]: form.getlist(key)[-1] for key in form if key.startswith("cap_")}
    return dict(name=form.get("name", ""), description=form.get("description", ""),
                category_id=optional_int(form, "category_id"), hub_id=optional_int(form, "hub_id"),
                status=form.get("status", "active"), capabilities=capabilities,
                design_url=form.get("design_url", ""), design_licence=form.get("design_licence", ""),
                purchase_cost_minor=amount_minor(form, "purchase_cost"), currency=form.get("currency", ""),
                purchase_date=optional_date(form, "purchase_date"), meter_unit=form.get("meter_unit") or None,
                asset_type=form.get("asset_type", ""), use_instructions=form.get("use_instructions", ""))


def _category_or_none(form):
    """The category a re-rendered form is for, or None when the submitted id is not one."""
    try:
        category_id = optional_int(form, "category_id")
        return get_coordinated_category(db.session, current_user, category_id) if category_id else None
    except (NotFound, ValidationFailed):
        return None


def _asset_form(asset):
    if request.method == "POST":
        form = request.form
        on_refusal(lambda exc: _asset_form_page(asset, _category_or_none(form),
                                                {key: form.getlist(key)[-1] for key in form}, field_errors(exc),
                                                exc.status))
        fields = _fields(form)
        if asset is None:
            saved = asset_service.create_asset(db.session, current_user, now=utcnow(), **fields)
        else:
            saved = asset_service.update_asset(db.session, current_user, asset.id, now=utcnow(), **fields)
        flash(_("Asset %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("manage.assets"))
    chosen = optional_int(request.args, "category")
    if chosen is not None:
        category = get_coordinated_category(db.session, current_user, chosen)  # an unknown id is a 404
    else:
        category = asset.category if asset is not None else None
    return _asset_form_page(asset, category, _values(asset), {}, 200)


def render_edit_page(asset_id: int, errors: dict, status: int, photo_values: dict | None = None):
    """The edit page as stored, with errors from its photo form (and what was typed there)."""
    asset = asset_service.get_coordinated_asset(db.session, current_user, asset_id)
    return _asset_form_page(asset, asset.category, _values(asset), errors, status, photo_values)


def _asset_form_page(asset, category, values: dict, errors: dict, status: int, photo_values: dict | None = None):
    # the pool's hubs: the category's, once chosen (an asset's hub and category are in one pool)
    pools = {category.pool_id} if category is not None else coordinated()
    hubs = list_hubs(db.session, pool_ids=pools)
    if asset is not None and asset.hub.retired:
        hubs.append(asset.hub)
    categories = list_categories(db.session, pool_ids=coordinated())
    if asset is not None and asset.category.retired:
        categories.append(asset.category)
    return render_template("manage/asset_form.html", asset=asset, category=category, form=values, errors=errors,
                           hubs=hubs, categories=categories, statuses=[s.value for s in AssetStatus],
                           meter_units=[m.value for m in MeterUnit],
                           asset_types=category_types(db.session, category.id) if category else [],
                           show_form=category is not None or request.method == "POST",
                           photo_values=photo_values or {}, photo_limit=photo_limit_text()), status


@bp.route("/assets/<int:asset_id>/retire", methods=["POST"])
def retire_asset(asset_id: int):
    asset = asset_service.set_asset_status(db.session, current_user, asset_id, AssetStatus.retired, now=utcnow())
    flash(_("Asset %(name)s retired: it keeps its history and can no longer be booked.", name=asset.name), "success")
    return redirect(url_for("manage.assets"))
