"""The coordinator's front page: what needs a decision now."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.web.manage import bp
from fleet import bookings as booking_service
from fleet.db import utcnow
from fleet.errors import DomainError


@bp.route("/")
def index():
    now = utcnow()
    return render_template("manage/index.html", pending=booking_service.pending_bookings(db.session),
                           hit=booking_service.bookings_hit_by_maintenance(db.session, now),
                           attention=booking_service.bookings_needing_attention(db.session, now))


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
def decide(booking_id: int):
    decision = request.form.get("decision")
    try:
        if decision == "approve":
            booking_service.approve_booking(db.session, current_user, booking_id, utcnow(),
                                            request.form.get("reason", ""))
        elif decision == "reject":
            booking_service.reject_booking(db.session, current_user, booking_id, utcnow(),
                                           request.form.get("reason", ""))
        else:
            raise booking_service.ValidationFailed("Choose approve or reject.")
        db.session.commit()
        flash(f"Booking {booking_id} {'approved' if decision == 'approve' else 'rejected'}.", "success")
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return redirect(url_for("manage.index"))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
def cancel(booking_id: int):
    try:
        booking_service.cancel_booking(db.session, current_user, booking_id, utcnow())
        db.session.commit()
        flash(f"Booking {booking_id} cancelled.", "success")
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith("/manage")
                    else url_for("manage.index"))


@bp.route("/bookings/<int:booking_id>/resolve", methods=["POST"])
def resolve(booking_id: int):
    try:
        booking_service.resolve_attention(db.session, current_user, booking_id, request.form.get("resolution", ""),
                                          utcnow())
        db.session.commit()
        flash(f"Booking {booking_id} marked resolved.", "success")
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return redirect(url_for("manage.index"))
