"""Template helpers: local-time formatting in a hub's zone and the request's locale, durations, labels."""
from __future__ import annotations

from datetime import date, datetime

from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from flask import Flask, current_app
from flask_babel import get_locale, gettext

from app.i18n import format_local, format_number, translate_message
from fleet.localtime import to_local

# Explicit CLDR patterns (Babel), readable in every language. English output is what strftime's
# "%a %d %b %Y %H:%M" gave: "Tue 02 Dec 2025 09:00"; French "mar. 02 déc. 2025 09:00"; German "Di. 02 Dez. 2025 09:00".
DATETIME_PATTERN = "EEE dd MMM y HH:mm"
DATE_PATTERN = "dd MMM y"
# The strftime formats templates used to pass, as Babel patterns.
_STRFTIME_TO_CLDR = {"%a %d %b %Y %H:%M": DATETIME_PATTERN, "%H:%M": "HH:mm", "%d %b %Y": DATE_PATTERN,
                     "%d %b %Y %H:%M": "dd MMM y HH:mm"}


def init_templating(app: Flask) -> None:
    @app.context_processor
    def _helpers():
        return {"has_endpoint": lambda name: name in app.view_functions}

    @app.template_filter("local")
    def _local(instant: datetime | None, zone_name: str | None = None, fmt: str = DATETIME_PATTERN) -> str:
        if instant is None:
            return ""
        return format_local(instant, zone_name or current_app.config["DEFAULT_TIMEZONE"],
                            _STRFTIME_TO_CLDR.get(fmt, fmt))

    @app.template_filter("day")
    def _day(value: date | datetime | None, fmt: str = DATE_PATTERN) -> str:
        """A calendar date (or a UTC instant's date) in the current locale: "02 Dec 2025", "02 déc. 2025"."""
        if value is None:
            return ""
        return format_date(value, _STRFTIME_TO_CLDR.get(fmt, fmt), locale=get_locale() or "en")

    @app.template_filter("utc")
    def _utc(value: datetime | None, fmt: str = "dd MMM y HH:mm") -> str:
        """A UTC instant as UTC wall-clock time in the current locale."""
        if value is None:
            return ""
        return format_local(value, "UTC", _STRFTIME_TO_CLDR.get(fmt, fmt))

    @app.template_filter("number")
    def _number(value, digits: int = 0) -> str:
        return format_number(value, digits)

    @app.template_filter("input_local")
    def _input_local(instant: datetime | None, zone_name: str | None = None) -> str:
        if instant is None:
            return ""
        return to_local(instant, zone_name or current_app.config["DEFAULT_TIMEZONE"]).strftime("%Y-%m-%dT%H:%M")

    @app.template_filter("duration")
    def _duration(minutes: float) -> str:
        minutes = int(minutes)
        days, rest = divmod(minutes, 1440)
        hours, mins = divmod(rest, 60)
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
        return " ".join(p for p in parts if p) or "0 min"

    @app.template_filter("km")
    def _km(value: float | None) -> str:
        return "" if value is None else f"{format_number(value, 1 if value < 100 else 0)} km"

    @app.template_filter("money")
    def _money(minor: int | None, currency: str = "EUR") -> str:
        if minor is None:
            return ""
        locale = get_locale()
        if locale is None or locale.language == "en":
            return f"{currency} {minor // 100:,}.{minor % 100:02d}"
        return format_currency(Decimal(minor) / 100, currency, locale=locale)

    @app.template_filter("status_label")
    def _status_label(value) -> str:
        return gettext(str(getattr(value, "value", value)).replace("_", " "))

    @app.template_filter("translate_message")
    def _translate_message(message: str | None, params: dict | None = None) -> str:
        """A message from fleet (a template and its values) in the current language: `note.message|
        translate_message(note.params)`."""
        return translate_message(message, params) or ""
