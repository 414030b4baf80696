"""GET /me: the caller's profile and their private calendar URL."""
from __future__ import annotations

from flask import jsonify, url_for

from app.api import bp
from app.api.auth import actor


def calendar_url(member) -> str | None:
    """The member's private iCal feed, once they have created one on their account page."""
    if not member.calendar_secret:
        return None
    try:
        return url_for("feeds.member_calendar", secret=member.calendar_secret, _external=True)
    except Exception:  # noqa: BLE001 - the feeds blueprint is optional until it is registered
        return None


@bp.get("/me")
def me():
    member = actor()
    home = member.home
    return jsonify({"id": member.id, "email": member.email, "name": member.name, "role": member.role.value,
                    "home": {"lat": home[0], "lon": home[1]} if home else None,
                    "calendar_url": calendar_url(member)})
