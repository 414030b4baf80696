"""The coordinator's front page: what needs a decision now, and the decisions taken from it."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.i18n import translate_message
from app.web.manage import bp
from fleet.booking import bookings as booking_service
from fleet.core.db import utcnow
from fleet.core.errors import DomainError, ValidationFailed


@bp.route("/")
def index():
    now = utcnow()
    return render_template("manage/index.html", pending=booking_service.pending_bookings(db.session),
                           hit=booking_service.bookings_hit_by_maintenance(db.session, now),
                           attention=booking_service.bookings_needing_attention(db.session, now))


def _act(action: Callable[[], object], done: str) -> None:
    """Run one booking decision, commit it and say so; a refused one is flashed, an unknown booking is 404."""
    try:
        action()
        db.session.commit()
        flash(done, "success")
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(translate_message(exc), "error")


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
def decide(booking_id: int):
    decision, reason = request.form.get("decision"), request.form.get("reason", "")
    services = {"approve": booking_service.approve_booking, "reject": booking_service.reject_booking}

    def act():
        if decision not in services:
            raise ValidationFailed("Choose approve or reject.")
        services[decision](db.session, current_user, booking_id, utcnow(), reason)

    _act(act, _("Booking %(id)s approved.", id=booking_id) if decision == "approve"
         else _("Booking %(id)s rejected.", id=booking_id))
    return redirect(url_for("manage.index"))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    _act(lambda: booking_service.cancel_booking(db.session, current_user, booking_id, utcnow()),
         _("Booking %(id)s cancelled.", id=booking_id))
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/manage/") and "//" not in back else url_for("manage.index"))


@bp.route("/bookings/<int:booking_id>/resolve", methods=["POST"])
def resolve(booking_id: int):
    _act(lambda: booking_service.resolve_attention(db.session, current_user, booking_id,
                                                   request.form.get("resolution", ""), utcnow()),
         _("Booking %(id)s marked resolved.", id=booking_id))
    return redirect(url_for("manage.index"))
