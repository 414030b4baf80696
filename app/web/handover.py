"""An asset's handover page, which its printed QR label opens: members check its bookings out and in there,
with meter readings, the condition checklist and any damage found (app/web/damage.py takes damage reported
on its own from the same page). Routes live on the bookings blueprint.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import checkbox, field_errors, optional_float
from app.i18n import format_decimal
from app.transaction import on_refusal
from app.uploads import photo_form, photo_max_bytes
from app.urls import external_url
from app.web.bookings import bp
from fleet.booking import handover
from fleet.booking.bookings import get_booking
from fleet.booking.photos import MEGABYTE
from fleet.catalogue.assets import get_asset, get_coordinated_asset
from fleet.core.db import utcnow


def photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def uploaded_photo() -> bytes | None:
    """The photo sent with one of the handover page's forms, or None; read to one byte past the limit, so that
    the service can refuse a file that is too large."""
    file = request.files.get("photo")
    if file is None or not file.filename:
        return None
    return file.read(photo_max_bytes() + 1)  # one byte more than allowed is enough to refuse it


def _damage_from_form() -> handover.DamageInput | None:
    description = request.form.get("damage_description", "")
    photo = uploaded_photo()
    unusable = checkbox(request.form, "unusable")
    if not description.strip() and photo is None and not unusable:
        return None
    return handover.DamageInput(description, unusable, photo)


def render_asset_page(asset_id: int, errors: dict | None = None, status: int = 200, form=None,
                      target: int | str | None = None):
    """The page; after a refused form, `target` names that form (a booking's id, or 'damage') so that its
    errors and the values sent are shown in it, and only in it."""
    now = utcnow()
    asset = get_asset(db.session, asset_id)
    return render_template(
        "handover/asset.html", asset=asset, now=now, errors=errors or {}, form=form or {}, target=target,
        photo_limit=format_decimal(photo_max_bytes() / MEGABYTE, 1),
        ticked=form.getlist("checklist") if form is not None else [],
        bookings=handover.handover_bookings(db.session, current_user, asset.id, now),
        last_reading=handover.last_meter_reading(db.session, asset.id)), status


@bp.route("/assets/<int:asset_id>/handover")
@login_required
def asset_handover(asset_id: int):
    return render_asset_page(asset_id)


def _handover_form(errors: dict, status: int, booking_id: int):
    """The check-out/in form of a booking again, for a body too large to read (app/uploads.py)."""
    booking = get_booking(db.session, current_user, booking_id)
    return render_asset_page(booking.asset_id, errors, status, target=booking_id)


def _handover(booking_id: int, action):
    booking = get_booking(db.session, current_user, booking_id)
    asset_page_on_refusal(booking.asset_id, target=booking_id)
    return action(db.session, current_user, booking_id, utcnow(),
                  meter_reading=optional_float(request.form, "meter_reading"),
                  checklist=request.form.getlist("checklist"), note=request.form.get("note", ""),
                  damage=_damage_from_form(), photo_dir=photo_dir(), photo_max_bytes=photo_max_bytes())


def asset_page_on_refusal(asset_id: int, target: int | str) -> None:
    """A refused handover or damage report shows the asset's page again, with the form it came from (`target`:
    the booking's id, or 'damage') as it was sent."""
    on_refusal(lambda exc: render_asset_page(asset_id, field_errors(exc), exc.status, request.form, target))


@bp.route("/bookings/<int:booking_id>/check-out", methods=["POST"])
@photo_form(_handover_form)
@login_required
def check_out(booking_id: int):
    booking = _handover(booking_id, handover.check_out)
    if booking.status.value == "confirmed":  # a member's own item: its owner confirms the hand-over too
        flash(_("Confirmed on your side; the hand-over is done when the owner confirms too."), "info")
    else:
        flash(_("Checked out. Enjoy, and bring it back on time."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@photo_form(_handover_form)
@login_required
def check_in(booking_id: int):
    result = _handover(booking_id, handover.check_in)
    if result.booking.status.value == "checked_out":  # a member's own item: its owner confirms the return too
        flash(_("Confirmed on your side; the return is done when the owner confirms too."), "info")
    elif result.returned_early:
        flash(_("Checked in early: the rest of your slot is free for others. Thank you."), "success")
    elif result.returned_late:
        flash(_("Checked in late. The next booking has been flagged to its member and the coordinators.")
              if result.flagged else _("Checked in late."), "warning")
    else:
        flash(_("Checked in. Thank you."), "success")
    if result.damage is not None and result.damage.unusable:
        flash(_("The asset is now in maintenance; the coordinators have been told."), "warning")
    if result.charge is not None:
        flash(_("Charge posted to the ledger: %(amount)s (%(computation)s).",
                amount=current_app.jinja_env.filters["money"](result.charge.amount_minor, result.charge.currency),
                computation=result.charge.computation), "info")
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/assets/<int:asset_id>/label")
@login_required
def asset_label(asset_id: int):
    """A printable label: the asset's name and a QR code opening its check-out/in page."""
    import segno

    asset = get_coordinated_asset(db.session, current_user, asset_id)
    target = external_url("bookings.asset_handover", asset_id=asset.id)
    svg = segno.make(target, error="m").svg_inline(scale=6, border=2)  # no title: the name is escaped by Jinja
    return render_template("handover/label.html", asset=asset, svg=svg, target=target)
