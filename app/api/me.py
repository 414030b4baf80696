"""GET /me: the caller's profile and their private calendar URL."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import actor
from app.feeds.calendar import member_calendar_url


@bp.get("/me")
def me():
    member = actor()
    home = member.home
    return jsonify({"id": member.id, "email": member.email, "name": member.name, "role": member.role.value,
                    "home": {"lat": home[0], "lon": home[1]} if home else None,
                    "calendar_url": member_calendar_url(member)})
