"""A member's choice of which notifications are also emailed to them. The route lives on the bookings
blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.web.bookings import bp
from fleet.members.notifications import KINDS, email_preferences, set_email_preferences


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    if request.method == "POST":
        set_email_preferences(db.session, current_user, set(request.form.getlist("email")))
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("bookings.notification_settings"))
    return render_template("handover/notifications.html", kinds=KINDS,
                           chosen=email_preferences(db.session, current_user))
