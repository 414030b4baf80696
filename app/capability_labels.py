"""Capabilities as people read them: `power_w` is shown as "Power (W)", its value 900 as "900 W", `cordless`
true as "yes". Capability names are data (a category's schema, written by coordinators in lower-case with
underscores); a trailing unit is recognised, and common words are translated when the catalogue knows them.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext

from app.i18n import N_, format_number, translation_key

UNITS = {"w": "W", "kw": "kW", "hp": "hp", "kg": "kg", "t": "t", "km": "km", "m": "m", "cm": "cm", "mm": "mm",
         "l": "l", "kwh": "kWh", "v": "V", "ah": "Ah", "h": "h", "bar": "bar", "nm": "Nm"}

ACRONYMS = {"pto": "PTO", "usb": "USB", "led": "LED", "gps": "GPS", "ev": "EV"}

# The capability words of the demo pool and of typical pools, so that extraction puts them in the catalogues.
CAPABILITY_WORDS = (
    N_("power"), N_("cordless"), N_("weight"), N_("fuel"), N_("cutting width"), N_("induction required"),
    N_("three phase"), N_("working width"), N_("pto required"), N_("hitch"), N_("payload"), N_("braked"),
    N_("tipping"), N_("length"), N_("seats"), N_("child seats"), N_("electric"), N_("frame size"), N_("gears"),
    N_("range"), N_("towbar"), N_("capacity"), N_("height"), N_("width"), N_("volume"), N_("voltage"),
)


def split(name: str) -> tuple[str, str | None]:
    """("power", "W") for "power_w"; (name in words, None) without a unit."""
    words = (name or "").split("_")
    if len(words) > 1 and words[-1] in UNITS:
        return " ".join(words[:-1]), UNITS[words[-1]]
    return " ".join(words), None


def label(name: str, with_unit: bool = True) -> str:
    """"Power (W)" for a form field; "Power" (`with_unit=False`) beside a value that carries the unit."""
    return _label(translation_key(), name, with_unit)


# Labels and values are computed once per catalogue and locale (app/i18n.py `translation_key`): a search page
# shows the same few capability names on every row.
@lru_cache(maxsize=4096)
def _label(_translation: tuple, name: str, with_unit: bool) -> str:
    base, unit = split(name)
    unit = unit if with_unit else None
    text = gettext(base) if base else base
    text = " ".join(ACRONYMS.get(word, word) for word in text.split(" "))
    text = text[:1].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def shown(capabilities: dict) -> list[tuple[str, str]]:
    """(label without unit, value with it) per capability, as `label(name, with_unit=False)` and `value` give
    them, with the catalogue looked up once for the whole row."""
    key = translation_key()
    return [(_label(key, name, False), _value(key, name, raw) if isinstance(raw, (bool, int, float)) else str(raw))
            for name, raw in capabilities.items()]


def value(name: str, raw) -> str:
    """A capability's value for people: yes/no, a number in the locale with its unit, or the text."""
    if isinstance(raw, (bool, int, float)):
        return _value(translation_key(), name, raw)
    return str(raw)


@lru_cache(maxsize=8192, typed=True)
def _value(_translation: tuple, name: str, raw) -> str:
    if raw is True:
        return gettext("yes")
    if raw is False:
        return gettext("no")
    if isinstance(raw, (int, float)):
        number = format_number(raw, 0 if float(raw).is_integer() else 1)
        unit = split(name)[1]
        return f"{number} {unit}" if unit else number
    return str(raw)
