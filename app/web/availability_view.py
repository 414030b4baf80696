"""The asset page's availability grid: which view (a week of hourly slots or a month of days), which week or
month, and the plain links that prefill the booking form with a free slot (the page works without
JavaScript; app/static/js/slot-picker.js turns the same links into a pick-and-extend selection)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for

from app.extensions import db
from fleet.booking.availability_grid import (
    SlotState, month_grid, parse_month, parse_week, today_in, week_grid,
)
from fleet.core.errors import ValidationFailed

INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def availability_view(asset, args, now: datetime, focus: str | None = None) -> dict:
    """Template values for the grid; a week or month that cannot be read shows the current one. `focus` (a
    wall-clock start such as a picked slot's, or what a refused booking form sent) picks the week shown when
    the query string names none."""
    today = today_in(asset.hub.timezone, now)
    view = "month" if args.get("view") == "month" else "week"
    focus = _focus_day(focus)
    try:
        monday = parse_week(args.get("week") or focus, today)
        first = parse_month(args.get("month") or (focus or "")[:7], today)
    except ValidationFailed:
        monday, first = parse_week(None, today), parse_month(None, today)
    week = week_grid(db.session, asset, monday, now) if view == "week" else None
    month = month_grid(db.session, asset, first, now) if view == "month" else None
    minimum = timedelta(minutes=asset.category.min_duration_minutes)

    def slot_link(slot) -> str:
        """The asset page with the booking form prefilled: from this slot's start for at least an hour (or
        the category's shortest booking)."""
        end = max(slot.local_end, slot.local_start + minimum)
        return url_for("catalogue.asset_page", asset_id=asset.id, start=slot.local_start.strftime(INPUT_FORMAT),
                       end=end.strftime(INPUT_FORMAT), week=monday.isoformat()) + "#book"

    def grid_link(**params) -> str:
        return url_for("catalogue.asset_page", asset_id=asset.id, **params) + "#availability"

    return {"grid_view": view, "week": week, "month": month, "slot_link": slot_link, "grid_link": grid_link,
            "slot_input": lambda instant: instant.strftime(INPUT_FORMAT), "SlotState": SlotState, "today": today}


def _focus_day(start: str | None) -> str | None:
    """The day of a prefilled start, so the grid shows the week it is in."""
    start = (start or "").strip()
    return start[:10] if len(start) >= 10 else None
