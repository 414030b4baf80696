"""Handover pages: an asset's check-out/in page (what its QR label opens), damage reports and their photos,
printable QR labels, recurring series, notification preferences, and the `flask bookings ...` jobs.

Routes live on the bookings blueprint; views parse, call a fleet service and render (app/transaction.py commits).
"""
from __future__ import annotations

from datetime import date, time
from pathlib import Path

import click
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import checkbox, field_errors, optional_float, optional_int, required_int
from app.i18n import N_, translate_message
from app.transaction import flash_on_refusal, on_refusal
from app.web.bookings import bp
from fleet.booking import jobs as booking_jobs
from fleet.booking import handover
from fleet.booking import recurring
from fleet.catalogue.assets import get_asset
from fleet.booking.bookings import get_booking
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.members.notifications import KINDS, email_preferences, set_email_preferences
from fleet.members.permissions import require_coordinator
from fleet.booking.photos import content_type_for, photo_path


def photo_dir() -> Path:
    return Path(current_app.config["PHOTO_DIR"])


def _upload() -> bytes | None:
    file = request.files.get("photo")
    if file is None or not file.filename:
        return None
    return file.read(handover_max_bytes() + 1)


def handover_max_bytes() -> int:
    from fleet.booking.photos import MAX_PHOTO_BYTES

    return MAX_PHOTO_BYTES


def _damage_from_form() -> handover.DamageInput | None:
    description = request.form.get("damage_description", "")
    photo = _upload()
    unusable = checkbox(request.form, "unusable")
    if not description.strip() and photo is None and not unusable:
        return None
    return handover.DamageInput(description, unusable, photo)


def _render_asset_page(asset_id: int, errors: dict | None = None, status: int = 200, form=None):
    now = utcnow()
    asset = get_asset(db.session, asset_id)
    return render_template(
        "handover/asset.html", asset=asset, now=now, errors=errors or {}, form=form or {},
        bookings=handover.handover_bookings(db.session, current_user, asset.id, now),
        last_reading=handover.last_meter_reading(db.session, asset.id)), status


@bp.route("/assets/<int:asset_id>/handover")
@login_required
def asset_handover(asset_id: int):
    return _render_asset_page(asset_id)


def _handover(booking_id: int, action):
    booking = get_booking(db.session, current_user, booking_id)
    _asset_page_on_refusal(booking.asset_id)
    return action(db.session, current_user, booking_id, utcnow(),
                  meter_reading=optional_float(request.form, "meter_reading"),
                  checklist=request.form.getlist("checklist"), note=request.form.get("note", ""),
                  damage=_damage_from_form(), photo_dir=photo_dir())


def _asset_page_on_refusal(asset_id: int) -> None:
    """A refused handover or damage report shows the asset's page again, with the form as it was sent."""
    on_refusal(lambda exc: _render_asset_page(asset_id, field_errors(exc), exc.status, request.form))


@bp.route("/bookings/<int:booking_id>/check-out", methods=["POST"])
@login_required
def check_out(booking_id: int):
    _handover(booking_id, handover.check_out)
    flash(_("Checked out. Enjoy, and bring it back on time."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    result = _handover(booking_id, handover.check_in)
    if result.returned_early:
        flash(_("Checked in early: the rest of your slot is free for others. Thank you."), "success")
    elif result.returned_late:
        flash(_("Checked in late. The next booking has been flagged to its member and the coordinators.")
              if result.flagged else _("Checked in late."), "warning")
    else:
        flash(_("Checked in. Thank you."), "success")
    if result.damage is not None and result.damage.unusable:
        flash(_("The asset is now in maintenance; the coordinators have been told."), "warning")
    return redirect(url_for("bookings.detail", booking_id=booking_id))


@bp.route("/assets/<int:asset_id>/damage", methods=["POST"])
@login_required
def report_damage(asset_id: int):
    _asset_page_on_refusal(asset_id)
    report = handover.report_damage(
        db.session, current_user, asset_id, utcnow(), description=request.form.get("damage_description", ""),
        unusable=checkbox(request.form, "unusable"), photo=_upload(),
        booking_id=optional_int(request.form, "booking_id"), photo_dir=photo_dir())
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


@bp.route("/assets/<int:asset_id>/label")
@login_required
def asset_label(asset_id: int):
    """A printable label: the asset's name and a QR code opening its check-out/in page."""
    import segno

    require_coordinator(current_user)
    asset = get_asset(db.session, asset_id)
    target = url_for("bookings.asset_handover", asset_id=asset.id, _external=True)
    svg = segno.make(target, error="m").svg_inline(scale=6, border=2)  # no title: the name is escaped by Jinja
    return render_template("handover/label.html", asset=asset, svg=svg, target=target)


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


# --- recurring series ------------------------------------------------------------------------------------------

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


# --- notification preferences ----------------------------------------------------------------------------------

@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    if request.method == "POST":
        set_email_preferences(db.session, current_user, set(request.form.getlist("email")))
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("bookings.notification_settings"))
    return render_template("handover/notifications.html", kinds=KINDS,
                           chosen=email_preferences(db.session, current_user))


# --- jobs: `flask bookings ...` --------------------------------------------------------------------------------

@bp.cli.command("release-no-shows")
def release_no_shows_command() -> None:
    """Release confirmed bookings not checked out within their category's grace period."""
    released = booking_jobs.release_no_shows(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(released)} no-show{'s' if len(released) != 1 else ''} released.")


@bp.cli.command("send-reminders")
def send_reminders_command() -> None:
    """Remind members of bookings starting within 24 hours (once each)."""
    due = booking_jobs.send_reminders(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(due)} reminder{'s' if len(due) != 1 else ''} written.")


@bp.cli.command("flag-overdue")
def flag_overdue_command() -> None:
    """Tell members and coordinators about overdue returns; flag the bookings they run into."""
    overdue = booking_jobs.flag_overdue_returns(db.session, utcnow())
    db.session.commit()
    click.echo(f"{len(overdue)} overdue return{'s' if len(overdue) != 1 else ''}.")


@bp.cli.command("deliver-notifications")
def deliver_notifications_command() -> None:
    """Email the pending notifications now (SMTP when MAIL_SERVER is set, else the log)."""
    from app.mail import deliver_outbox

    counts = deliver_outbox(current_app._get_current_object())
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()) or "nothing to send")


@bp.cli.command("clean-photos")
@click.option("--delete", "delete_them", is_flag=True, help="Delete the files; without it, only list them.")
@click.option("--min-age-hours", type=click.FloatRange(min=1), default=1, show_default=True,
              help="Leave younger files alone: they may belong to a transaction still in progress.")
def clean_photos_command(delete_them: bool, min_age_hours: float) -> None:
    """List damage photo files that no report refers to (older than an hour); --delete deletes them."""
    from datetime import timedelta

    from fleet.booking.photos import delete_photo_files, orphaned_photos

    directory = photo_dir()
    try:
        orphans = orphaned_photos(db.session, directory, utcnow(), min_age=timedelta(hours=min_age_hours))
    finally:
        db.session.rollback()
    for path in orphans:
        click.echo(str(path))
    what = f"{len(orphans)} unreferenced photo file{'s' if len(orphans) != 1 else ''} in {directory}"
    if not delete_them:
        click.echo(f"{what} (dry run: nothing deleted; pass --delete to delete them).")
        return
    click.echo(f"{what}: {delete_photo_files(orphans)} deleted.")


@bp.cli.command("tick")
def tick_command() -> None:
    """All of the above, as a scheduler would run them every few minutes."""
    from app.jobs import run_booking_jobs

    click.echo(str(run_booking_jobs(current_app._get_current_object())))


def _describe_series(series) -> str:
    """How a series repeats, in the reader's language."""
    return translate_message(*recurring.series_description(series))
