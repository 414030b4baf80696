"""Template helpers: local-time formatting in a hub's zone and the request's locale, durations, labels."""
from __future__ import annotations

from datetime import date, datetime

from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Flask, current_app
from markupsafe import Markup, escape
from flask_babel import get_locale, gettext

from app import capability_labels
from app.extensions import db
from app.i18n import (
    N_, format_decimal, format_local, format_number, format_percent, translate_message,
    translation_key,
)
from fleet.booking.owned_items import owned_item_for
from fleet.core.localtime import to_local

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

    @app.template_filter("owned_item")
    def _owned_item(asset):
        """The member's own item behind an asset (its terms and windows), None for the pool's own assets."""
        return owned_item_for(db.session, asset.id)

    @app.template_filter("clock")
    def _clock(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

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

    @app.template_filter("wall")
    def _wall(value: datetime | None, fmt: str = DATETIME_PATTERN) -> str:
        """A naive wall-clock time (already in the zone it is shown for) in the current locale."""
        if value is None:
            return ""
        return format_datetime(value.replace(tzinfo=None), fmt, locale=get_locale() or "en")

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

    app.add_template_filter(duration, "duration")
    # a category's name in the reader's language, else its default name (fleet.models.Category.name_in, which
    # reads the language off the locale); the locale from translation_key, which the page has looked up already
    app.add_template_filter(lambda category: category.name_in(translation_key()[1]), "category_name")
    app.add_template_filter(km, "km")

    @app.template_filter("name_options")
    def _name_options(rows, chosen: str | None) -> Markup:
        """The `<option>`s of rows with an id and a name, the one whose id is `chosen` (text) selected, exactly as
        `{% for r in rows %}<option value="{{ r.id }}" {% if chosen == r.id|string %}selected{% endif %}>{{ r.name
        }}</option>{% endfor %}` writes them, without a template step per option (a search form lists every hub
        twice: seventy hubs at ten times the demo)."""
        return Markup("".join(f'<option value="{escape(r.id)}" {"selected" if chosen == str(r.id) else ""}>'
                              f'{escape(r.name)}</option>' for r in rows))
    app.add_template_filter(hours, "hours")
    app.add_template_filter(seconds, "seconds")
    app.add_template_filter(kwh, "kwh")
    app.add_template_filter(kg_co2e, "kg_co2e")
    app.add_template_filter(format_percent, "percent")
    app.add_template_filter(format_decimal, "decimal")
    app.add_template_filter(capability_type, "capability_type")

    @app.template_filter("money")
    def _money(minor: int | None, currency: str = "EUR") -> str:
        if minor is None:
            return ""
        locale = get_locale()
        if locale is None or locale.language == "en":
            sign = "-" if minor < 0 else ""  # an adjustment lowering a charge, a balance in credit
            return f"{sign}{currency} {abs(minor) // 100:,}.{abs(minor) % 100:02d}"
        return _currency(minor, currency, str(locale))

    @app.template_filter("status_label")
    def _status_label(value) -> str:
        return gettext(str(getattr(value, "value", value)).replace("_", " "))

    @app.template_filter("capability_label")
    def _capability_label(name: str) -> str:
        return capability_labels.label(name)

    @app.template_filter("capability_name")
    def _capability_name(name: str) -> str:
        return capability_labels.label(name, with_unit=False)

    @app.template_filter("capabilities_shown")
    def _capabilities_shown(capabilities: dict) -> list[tuple[str, str]]:
        return capability_labels.shown(capabilities)

    @app.template_filter("capability_value")
    def _capability_value(name: str, raw) -> str:
        return capability_labels.value(name, raw)

    @app.template_filter("run_progress")
    def _run_progress(run) -> str:
        """An optimiser run's progress line in the current language."""
        from fleet.allocation.optimiser_runs import progress_message

        return translate_message(*progress_message(run)) or ""

    @app.template_filter("translate_message")
    def _translate_message(message: str | None, params: dict | None = None) -> str:
        """A message from fleet (a template and its values) in the current language: `note.message|
        translate_message(note.params)`."""
        return translate_message(message, params) or ""


@lru_cache(maxsize=4096)
def _currency(minor: int, currency: str, locale: str) -> str:
    """An amount in the locale's currency format (Babel's, slow); a results page shows the same few prices."""
    return format_currency(Decimal(minor) / 100, currency, locale=locale)


# Units on pages: the number in the locale, the unit from the catalogue ("%(num)s h" is "%(num)s Std." in German).

def duration(minutes: float) -> str:
    """A length of time in days, hours and minutes: "1 d 2 h 30 min"."""
    minutes = int(minutes)
    days, rest = divmod(minutes, 1440)
    whole_hours, mins = divmod(rest, 60)
    parts = [gettext("%(num)s d", num=format_number(days)) if days else "",
             gettext("%(num)s h", num=format_number(whole_hours)) if whole_hours else "",
             gettext("%(num)s min", num=format_number(mins)) if mins else ""]
    return " ".join(p for p in parts if p) or gettext("%(num)s min", num=format_number(0))


def km(value: float | None, digits: int | None = None) -> str:
    """A distance: one decimal below 100 km, none above."""
    if value is None:
        return ""
    return _unit(translation_key(), N_("%(num)s km")) % {
        "num": format_number(value, (1 if value < 100 else 0) if digits is None else digits)}


@lru_cache(maxsize=256)
def _unit(_translation: tuple, template: str) -> str:
    """A unit's translated template, once per catalogue and locale (a results table shows one per row)."""
    return gettext(template)


def hours(value: float | None, digits: int | None = 1) -> str:
    """Hours with `digits` decimals, or (digits=None) as many as needed up to two: "12.5 h", "12 h"."""
    if value is None:
        return ""
    return gettext("%(num)s h", num=format_decimal(value, 2) if digits is None else format_number(value, digits))


def seconds(value: float | None, digits: int = 1) -> str:
    return "" if value is None else gettext("%(num)s s", num=format_number(value, digits))


def kwh(value: float | None, digits: int = 0) -> str:
    return "" if value is None else gettext("%(num)s kWh", num=format_number(value, digits))


def kg_co2e(value: float | None, digits: int = 0) -> str:
    return "" if value is None else gettext("%(num)s kg CO2e", num=format_number(value, digits))


def capability_type(kind: str) -> str:
    """The type of a capability as people read it (the schema keeps the codes number, bool, text)."""
    return {"number": gettext("number"), "bool": gettext("yes/no"), "text": gettext("text")}.get(kind, kind)
