"""The coordinator's front page: what needs a decision now, and the decisions taken from it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.pools import coordinated
from app.transaction import flash_on_refusal
from app.web.manage import bp
from fleet.booking import bookings as booking_service
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed


@bp.route("/")
def index():
    now = utcnow()
    return render_template("manage/index.html", pending=booking_service.pending_bookings(db.session, coordinated()),
                           hit=booking_service.bookings_hit_by_maintenance(db.session, now, coordinated()),
                           attention=booking_service.bookings_needing_attention(db.session, now,
                                                                                    pool_ids=coordinated()))


# A decision taken here goes back to this page, with what was done or why it was refused flashed above it; an
# unknown booking is the not-found page.

@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
def decide(booking_id: int):
    booking_service.coordinated_booking(db.session, current_user, booking_id)  # who may, before what was sent
    flash_on_refusal(url_for("manage.index"))
    decision, reason = request.form.get("decision"), request.form.get("reason", "")
    services = {"approve": booking_service.approve_booking, "reject": booking_service.reject_booking}
    if decision not in services:
        raise ValidationFailed("Choose approve or reject.")
    services[decision](db.session, current_user, booking_id, utcnow(), reason)
    flash(_("Booking %(id)s approved.", id=booking_id) if decision == "approve"
          else _("Booking %(id)s rejected.", id=booking_id), "success")
    return redirect(url_for("manage.index"))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    back = request.form.get("back") or ""
    if not back.startswith("/manage/") or "//" in back:
        back = url_for("manage.index")
    flash_on_refusal(back)
    booking_service.cancel_booking(db.session, current_user, booking_id, utcnow())
    flash(_("Booking %(id)s cancelled.", id=booking_id), "success")
    return redirect(back)


@bp.route("/bookings/<int:booking_id>/resolve", methods=["POST"])
def resolve(booking_id: int):
    flash_on_refusal(url_for("manage.index"))
    booking_service.resolve_attention(db.session, current_user, booking_id, request.form.get("resolution", ""),
                                      utcnow())
    flash(_("Booking %(id)s marked resolved.", id=booking_id), "success")
    return redirect(url_for("manage.index"))
