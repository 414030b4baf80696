"""Damage reports: a member reports damage from an asset's handover page, the report's photo is shown to
those who may see it, and coordinators go through the open reports and record repairs. Routes live on the
bookings blueprint.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import checkbox, optional_int
from app.i18n import translate_message
from app.transaction import flash_on_refusal
from app.uploads import photo_form, photo_max_bytes
from app.web.bookings import bp
from app.web.handover import asset_page_on_refusal, photo_dir, render_asset_page, uploaded_photo
from fleet.booking import handover
from fleet.booking.photos import content_type_for, photo_path
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed


def _damage_form(errors: dict, status: int, asset_id: int):
    """The damage form again, for a body too large to read (app/uploads.py)."""
    return render_asset_page(asset_id, errors, status, target="damage")


@bp.route("/assets/<int:asset_id>/damage", methods=["POST"])
@photo_form(_damage_form)
@login_required
def report_damage(asset_id: int):
    asset_page_on_refusal(asset_id, target="damage")
    report = handover.report_damage(
        db.session, current_user, asset_id, utcnow(), description=request.form.get("damage_description", ""),
        unusable=checkbox(request.form, "unusable"), photo=uploaded_photo(),
        booking_id=optional_int(request.form, "booking_id"), photo_dir=photo_dir(),
        photo_max_bytes=photo_max_bytes())
    flash(_("Damage reported; the coordinators have been told. The asset is now in maintenance.")
          if report.unusable else _("Damage reported; the coordinators have been told."), "success")
    return redirect(url_for("bookings.asset_handover", asset_id=asset_id))


@bp.route("/damage/<int:report_id>/photo")
@login_required
def damage_photo(report_id: int):
    report = handover.get_damage_report(db.session, current_user, report_id)
    if not report.photo_name:
        abort(404)
    path = photo_path(photo_dir(), report.photo_name)
    response = send_file(path, mimetype=content_type_for(report.photo_name), conditional=True, max_age=0)
    response.headers["Content-Disposition"] = f"inline; filename=damage-{report.id}.{report.photo_name[-3:]}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; script-src 'none'; "
                                                   "style-src 'none'; frame-ancestors 'none'; sandbox")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- coordinators: damage reports and repairs ------------------------------------------------------------------

@bp.route("/manage/damage")
@login_required
def damage_reports():
    reports = handover.open_damage_reports(db.session, current_user)
    return render_template("handover/damage_list.html", reports=reports, errors={})


@bp.route("/manage/damage/<int:report_id>/repair", methods=["POST"])
@login_required
def repair(report_id: int):
    flash_on_refusal(url_for("bookings.damage_reports"), unless=(403, 404))
    cost = _money(request.form.get("cost", ""))
    report = handover.repair_damage(db.session, current_user, report_id, utcnow(), cost_minor=cost,
                                    currency=request.form.get("currency", "EUR"),
                                    note=request.form.get("repair_note", ""))
    if report.unusable:
        flash(_("Repair of %(asset)s recorded; it is %(status)s again.", asset=report.asset.name,
                status=translate_message(report.asset.status.value.replace("_", " "))), "success")
    else:
        flash(_("Repair of %(asset)s recorded.", asset=report.asset.name), "success")
    return redirect(url_for("bookings.damage_reports"))


def _money(text: str) -> int | None:
    """'12.50' or '12,50' -> 1250 minor units; empty -> None."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    whole, _sep, cents = text.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)) or len(whole) > 7:
        raise ValidationFailed("'%(text)s' is not an amount such as 12.50.", field="cost", text=text)
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))
