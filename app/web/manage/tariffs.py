"""Tariffs for coordinators: what a category's assets, or one asset, cost to use. An asset's own tariff overrides
its category's; bookings already made keep the price they showed."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from app.forms import field_errors, optional_int
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.catalogue.assets import list_assets
from fleet.catalogue.categories import list_categories
from fleet.catalogue.tariffs import delete_tariff, get_coordinated_tariff, list_tariffs, set_tariff
from fleet.core import money
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.models.tariffs import RATE_COLUMNS

# form field -> tariff column
RATE_FIELDS = {column.removesuffix("_minor"): column for column in RATE_COLUMNS}


def _form_of(tariff) -> dict:
    form = {"scope": f"category:{tariff.category_id}" if tariff.category_id else f"asset:{tariff.asset_id}",
            "currency": tariff.currency, "late_grace_minutes": str(tariff.late_grace_minutes or 0)}
    for name, column in RATE_FIELDS.items():
        value = getattr(tariff, column)
        form[name] = "" if value is None else f"{value // 100}.{value % 100:02d}"
    return form


def _page(form: dict, errors: dict, status: int = 200):
    return render_template("manage/tariffs.html", tariffs=list_tariffs(db.session, pool_ids=coordinated()), form=form, errors=errors,
                           categories=list_categories(db.session, pool_ids=coordinated()),
                           assets=list_assets(db.session, False, pool_ids=coordinated()),
                           rate_fields=list(RATE_FIELDS)), status


@bp.route("/tariffs")
def tariffs():
    edit = optional_int(request.args, "edit")
    if edit is not None:
        return _page(_form_of(get_coordinated_tariff(db.session, current_user, edit)), {})
    return _page({"currency": money.DEFAULT_CURRENCY, "late_grace_minutes": "0"}, {})


@bp.route("/tariffs", methods=["POST"])
def save_tariff():
    form = request.form
    on_refusal(lambda exc: _page(form.to_dict(), field_errors(exc), exc.status), unless=(403, 404))
    kind, _sep, scope_id = (form.get("scope") or "").partition(":")
    if kind not in ("category", "asset") or not scope_id.isdigit() or len(scope_id) > 9:
        raise ValidationFailed("Choose a category or an asset.", field="scope")
    values = {"currency": form.get("currency", ""),
              "late_grace_minutes": optional_int(form, "late_grace_minutes") or 0}
    for name, column in RATE_FIELDS.items():
        text = (form.get(name) or "").strip()
        values[column] = None if not text else money.parse_amount(text, field=name)
    scope = {"category_id": int(scope_id)} if kind == "category" else {"asset_id": int(scope_id)}
    try:
        tariff = set_tariff(db.session, current_user, values, utcnow(), **scope)
    except ValidationFailed as exc:
        if exc.field in ("category_id", "asset_id"):
            raise ValidationFailed(exc.template, field="scope", **exc.params) from None
        raise
    name = tariff.category.name if tariff.category_id else tariff.asset.name
    flash(_("Tariff of %(name)s saved.", name=name), "success")
    return redirect(url_for("manage.tariffs"))


@bp.route("/tariffs/<int:tariff_id>/delete", methods=["POST"])
def remove_tariff(tariff_id: int):
    delete_tariff(db.session, current_user, tariff_id)
    flash(_("Tariff removed. Bookings already made keep the price they showed."), "success")
    return redirect(url_for("manage.tariffs"))
