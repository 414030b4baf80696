"""Recurring series: a member books the same slot of an asset every few days, sees which occurrences were
booked and which could not be, and cancels the rest of a series. Routes live on the bookings blueprint.
"""
from __future__ import annotations

from datetime import date, time

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import field_errors, optional_int, required_int
from app.i18n import N_, translate_message
from app.transaction import flash_on_refusal, on_refusal
from app.web.bookings import bp
from fleet.booking import recurring
from fleet.catalogue.assets import get_asset
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed


def _parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationFailed("Enter a date as YYYY-MM-DD.", field=field) from None


def _parse_time(text: str, field: str) -> time:
    try:
        value = time.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationFailed("Enter a time as HH:MM.", field=field) from None
    return value.replace(second=0, microsecond=0, tzinfo=None)


@bp.route("/series")
@login_required
def my_series():
    items, _total = recurring.list_series(db.session, current_user, 1, 100)
    return render_template("handover/series_list.html", items=items, describe=_describe_series)


@bp.route("/series/new")
@login_required
def new_series():
    asset = get_asset(db.session, required_int(request.args, "asset_id", N_("an asset")))
    return render_template("handover/series_new.html", asset=asset, form={"occurrences": 8}, errors={})


@bp.route("/series", methods=["POST"])
@login_required
def create_series():
    form = request.form
    asset = get_asset(db.session, required_int(form, "asset_id", N_("an asset")))
    on_refusal(lambda exc: (render_template("handover/series_new.html", asset=asset, form=form,
                                            errors=field_errors(exc)), exc.status), unless=())
    result = recurring.create_series(
        db.session, current_user, asset.id, _parse_date(form.get("first_date", ""), "first_date"),
        _parse_time(form.get("start_time", ""), "start_time"), _parse_time(form.get("end_time", ""), "end_time"),
        required_int(form, "occurrences", N_("how many times")), utcnow(),
        interval_days=optional_int(form, "interval_days") or 7, note=form.get("note", ""))
    flash(_("%(booked)s of %(total)s occurrences booked.", booked=len(result.booked), total=result.series.occurrences) +
          (" " + _("%(skipped)s could not be booked: see below.", skipped=len(result.skipped)) if result.skipped else ""),
          "success" if not result.skipped else "warning")
    return redirect(url_for("bookings.series_detail", series_id=result.series.id))


@bp.route("/series/<int:series_id>")
@login_required
def series_detail(series_id: int):
    series = recurring.get_series(db.session, current_user, series_id)
    return render_template("handover/series_detail.html", series=series, now=utcnow(),
                           bookings=recurring.series_bookings(db.session, series.id),
                           describe=_describe_series)


@bp.route("/series/<int:series_id>/cancel", methods=["POST"])
@login_required
def cancel_series(series_id: int):
    flash_on_refusal(url_for("bookings.series_detail", series_id=series_id))
    cancelled = recurring.cancel_series(db.session, current_user, series_id, utcnow())
    flash(ngettext("Series cancelled: %(num)d upcoming occurrence cancelled.",
                   "Series cancelled: %(num)d upcoming occurrences cancelled.", len(cancelled)), "success")
    return redirect(url_for("bookings.series_detail", series_id=series_id))


def _describe_series(series) -> str:
    """How a series repeats, in the reader's language."""
    return translate_message(*recurring.series_description(series))
