"""A member's bookings at partner installations: ask a partner for one of its items (from the search), cancel
one. The calls to the partner and their two commits: app/federation_calls.py."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import federation_calls
from app.transaction import flash_on_refusal
from fleet.core.errors import ValidationFailed
from fleet.models import RemoteBookingStatus

bp = Blueprint("remote", __name__)


def _instant(name: str) -> datetime:
    try:
        value = datetime.fromisoformat(request.form.get(name, ""))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValidationFailed("Search a time range first, then book from the results.", field=name)
    return value


@bp.route("/remote-items/<int:remote_item_id>/book", methods=["POST"])
@login_required
def book(remote_item_id: int):
    flash_on_refusal(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                     else url_for("catalogue.search"))
    booking = federation_calls.book_remote_item(current_user, remote_item_id, _instant("start"), _instant("end"))
    partner = booking.partner.name
    if booking.status == RemoteBookingStatus.confirmed:
        flash(_("%(partner)s confirmed your booking of %(item)s.", partner=partner, item=booking.item_name), "success")
    elif booking.status == RemoteBookingStatus.waiting:
        flash(_("%(partner)s holds %(item)s for you and will approve or refuse it.", partner=partner,
                item=booking.item_name), "success")
    elif booking.status == RemoteBookingStatus.refused:
        flash(_("%(partner)s refused the booking: %(reason)s", partner=partner, reason=booking.message), "error")
    else:
        flash(_("%(partner)s could not be reached, so nothing was booked. Try again later.", partner=partner),
              "error")
    return redirect(url_for("bookings.my_bookings"))


@bp.route("/remote-bookings/<int:remote_booking_id>/cancel", methods=["POST"])
@login_required
def cancel(remote_booking_id: int):
    flash_on_refusal(url_for("bookings.my_bookings"))
    booking = federation_calls.cancel_remote_booking(current_user, remote_booking_id)
    flash(_("Booking cancelled at %(partner)s: %(item)s.", partner=booking.partner.name, item=booking.item_name),
          "success")
    return redirect(url_for("bookings.my_bookings"))
