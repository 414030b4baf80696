"""iCalendar feeds: a member's private feed by secret URL, its settings page, and an asset's feed for
coordinators. The documents are built in fleet.feeds.calendar_feed."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.read_replica import read_only_session
from app.i18n import DEFAULT_LOCALE, N_, supported, translate_message
from app.urls import external_host, external_url
from fleet.feeds import calendar_feed
from fleet.core.db import utcnow
from fleet.models import Booking, Member

bp = Blueprint("calendar", __name__)

ACTIONS = {
    "create": (calendar_feed.create_calendar_secret,
               N_("Your calendar feed is ready: add its address to your calendar app.")),
    "rotate": (calendar_feed.rotate_calendar_secret,
               N_("Your calendar feed has a new address; the old one no longer works.")),
    "revoke": (calendar_feed.revoke_calendar_secret,
               N_("Your calendar feed is switched off; its address no longer works.")),
}


def member_calendar_url(member: Member) -> str | None:
    """The absolute URL of the member's private feed, or None when they have none."""
    if not member.calendar_secret:
        return None
    return external_url("feeds.calendar.member_feed", secret=member.calendar_secret)


def _uid_domain() -> str:
    cfg = current_app.config
    return cfg.get("CALENDAR_UID_DOMAIN") or external_host() or "commonpool"


def _site_name() -> str:
    return current_app.config.get("SITE_NAME", "Commonpool")


def _booking_url(booking: Booking) -> str:
    return external_url("bookings.detail", booking_id=booking.id)


def _ics(body: bytes, filename: str):
    response = current_app.response_class(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # The URL may carry a secret: keep the answer out of shared caches and search engines.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/calendar/<secret>.ics")
def member_feed(secret: str):
    reads = read_only_session()
    member = calendar_feed.member_for_calendar_secret(reads, secret)
    # A calendar app fetches the feed without the member's cookie: their saved language, like their emails.
    with force_locale(supported(member.locale) or DEFAULT_LOCALE):
        body = calendar_feed.member_calendar(reads, member, utcnow(), domain=_uid_domain(),
                                            booking_url=_booking_url, title=_site_name(),
                                            translate=translate_message)
    return _ics(body, "bookings.ics")


@bp.route("/manage/assets/<int:asset_id>/calendar.ics")
@login_required
def asset_feed(asset_id: int):
    if not current_user.is_coordinator:
        abort(403)
    body = calendar_feed.asset_calendar(read_only_session(), current_user, asset_id, utcnow(), domain=_uid_domain(),
                                        booking_url=_booking_url, title=_site_name(), translate=translate_message)
    return _ics(body, f"asset-{asset_id}.ics")


@bp.route("/account/calendar", methods=["GET", "POST"])
@login_required
def account_calendar():
    if request.method == "POST":
        action = ACTIONS.get(request.form.get("action", ""))
        if action is None:
            return _render_page({"_form": _("Choose to create, renew or switch off the feed.")}), 400
        service, message = action
        service(db.session, current_user._get_current_object())
        flash(_(message), "success")
        return redirect(url_for("feeds.calendar.account_calendar"))
    return _render_page({})


def _render_page(errors: dict):
    feed_url = member_calendar_url(current_user)
    webcal_url = None
    if feed_url:
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render_template("feeds/account_calendar.html", feed_url=feed_url, webcal_url=webcal_url, errors=errors)
