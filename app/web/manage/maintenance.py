"""Maintenance windows of one asset. Adding one that hits bookings takes two steps: a preview lists the
bookings it would hit, a confirmation adds it. Nothing is cancelled: hit bookings stay on the overview."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.web.manage import bp
from fleet.booking import maintenance as maintenance_service
from fleet.catalogue.assets import get_coordinated_asset
from fleet.core.db import utcnow
from fleet.core.localtime import format_local, parse_local


def _render(asset, form, errors, status=200):
    windows = [(w, maintenance_service.bookings_hit(db.session, asset.id, w.start_at, w.end_at))
               for w in asset.maintenance_windows]
    return render_template("manage/maintenance.html", asset=asset, windows=windows, form=form, errors=errors,
                           now=utcnow()), status


@bp.route("/assets/<int:asset_id>/maintenance")
def maintenance(asset_id: int):
    return _render(get_coordinated_asset(db.session, current_user, asset_id), {}, {})


@bp.route("/assets/<int:asset_id>/maintenance", methods=["POST"])
def add_maintenance(asset_id: int):
    asset = get_coordinated_asset(db.session, current_user, asset_id)
    zone = asset.hub.timezone
    form = request.form
    on_refusal(lambda exc: _render(get_coordinated_asset(db.session, current_user, asset_id), form, field_errors(exc), exc.status))
    start = parse_local(form.get("start", ""), zone, field="start")
    end = parse_local(form.get("end", ""), zone, field="end")
    reason = form.get("reason", "")
    if form.get("action") != "confirm":
        hits = maintenance_service.preview_maintenance_window(db.session, current_user, asset.id, start, end, reason)
        if hits:
            return render_template("manage/maintenance_preview.html", asset=asset, hits=hits, form=form,
                                   start=start, end=end)
    window, hits = maintenance_service.add_maintenance_window(db.session, current_user, asset.id, start, end,
                                                              reason, utcnow())
    flash(_("Maintenance window added: %(start)s – %(end)s.", start=format_local(window.start_at, zone),
            end=format_local(window.end_at, zone)), "success")
    if hits:
        flash(ngettext("It overlapped %(num)d booking. Nothing was cancelled: each was moved to an equivalent asset "
                       "where one was free (the member is told), the rest are flagged on the overview.",
                       "It overlapped %(num)d bookings. Nothing was cancelled: each was moved to an equivalent asset "
                       "where one was free (the member is told), the rest are flagged on the overview.",
                       len(hits)), "warning")
        for booking in hits:
            where = (_("moved to %(asset)s", asset=booking.asset.name) if booking.asset_id != asset.id else
                     _("could not be moved: flagged for you and the member") if booking.attention else
                     _("still on this asset"))
            flash(_("%(member)s (%(email)s): %(start)s – %(end)s, %(status)s, %(where)s.", member=booking.member.name,
                    email=booking.member.email, start=format_local(booking.start_at, zone),
                    end=format_local(booking.end_at, zone), status=_(booking.status.value.replace("_", " ")),
                    where=where), "warning")
    return redirect(url_for("manage.maintenance", asset_id=asset.id))


@bp.route("/assets/<int:asset_id>/maintenance/<int:window_id>/delete", methods=["POST"])
def delete_maintenance(asset_id: int, window_id: int):
    asset = get_coordinated_asset(db.session, current_user, asset_id)
    maintenance_service.delete_maintenance_window(db.session, current_user, window_id, asset_id=asset.id)
    flash(_("Maintenance window removed."), "success")
    return redirect(url_for("manage.maintenance", asset_id=asset_id))
