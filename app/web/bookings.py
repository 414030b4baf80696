"""A member's bookings: book, list, see one, cancel."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import field_errors, required_int
from app.i18n import N_
from app.transaction import flash_on_refusal, on_refusal
from app.web.catalogue import render_asset
from fleet.booking import bookings as booking_service
from fleet.booking.charges import booking_charge, booking_price
from fleet.catalogue.assets import get_asset
from fleet.core.db import utcnow
from fleet.core.errors import NotFound
from fleet.core.localtime import parse_local
from fleet.core.text import multi_line
from fleet.federation.remote_bookings import member_remote_bookings
from fleet.members.notifications import list_unread

bp = Blueprint("bookings", __name__)


@bp.route("/bookings")
@login_required
def my_bookings():
    mine = booking_service.member_bookings(db.session, current_user, utcnow())
    return render_template("bookings/list.html", upcoming=mine.upcoming, past=mine.past, now=utcnow(),
                           notifications=list_unread(db.session, current_user),
                           remote=member_remote_bookings(db.session, current_user))


@bp.route("/bookings", methods=["POST"])
@login_required
def create():
    now = utcnow()
    asset_id = required_int(request.form, "asset_id", N_("an asset"))
    try:
        asset = get_asset(db.session, asset_id)
    except NotFound:
        raise NotFound("No such asset.", field="asset_id") from None
    on_refusal(lambda exc: _asset_page(asset, now, field_errors(exc), exc.status), unless=())
    if request.form.get("action") == "price":  # the form's "Show the price" without a script: book nothing
        multi_line(request.form.get("note", ""), "note")  # what was typed is checked as for booking
        return _asset_page(asset, now, {}, 200)
    start = parse_local(request.form.get("start", ""), asset.hub.timezone, field="start")
    end = parse_local(request.form.get("end", ""), asset.hub.timezone, field="end")
    booking = booking_service.book_asset(db.session, current_user, asset.id, start, end, now,
                                         note=request.form.get("note", ""), isolated=False)
    if booking.status.value == "pending" and booking_service.waits_for_owner(db.session, booking):
        flash(_("Booking requested: the owner will approve it. The slot is held for you meanwhile."), "info")
    elif booking.status.value == "pending":
        flash(_("Booking requested: a coordinator will approve it. The slot is held for you meanwhile."), "info")
    else:
        flash(_("Booked."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking.id))


def _asset_page(asset, now, errors: dict, status: int):
    """The asset's page again, with the booking form as the member filled it in and what was wrong with it."""
    return render_asset(asset, errors, request.form, status)


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    booking = booking_service.get_booking(db.session, current_user, booking_id)
    maintenance = booking_service.maintenance_hitting(db.session, booking)
    return render_template("bookings/detail.html", booking=booking, now=utcnow(), maintenance=maintenance,
                           quote=booking_price(db.session, booking), charge=booking_charge(db.session, booking))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """GET asks to confirm (a page, so that it works without JavaScript); POST cancels."""
    if request.method == "GET":
        booking = booking_service.get_booking(db.session, current_user, booking_id)
        return render_template("bookings/cancel_confirm.html", booking=booking, now=utcnow())
    flash_on_refusal(url_for("bookings.detail", booking_id=booking_id))
    booking_service.cancel_booking(db.session, current_user, booking_id, utcnow())
    flash(_("Booking cancelled."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking_id))
