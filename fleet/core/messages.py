"""Messages for people, kept translatable without fleet knowing any language but English.

A message is a template with named `%(placeholders)s` plus its values: `DomainError("%(asset)s is already
booked during that time.", asset=asset.name)`. fleet renders it in English (`english`) for logs, the API and
the CLI; the delivery layer looks the template up in its catalogue and fills in the same values, so a French
member reads "%(asset)s est déjà réservé sur ce créneau." with the asset's name. Extraction finds the
templates because the error classes and `msg` are extraction keywords (babel.cfg, `make translations`).

Values are plain text and numbers, except two kinds the delivery layer formats itself:
- `Term("checked out")`: a domain word (a status, a unit) that is translated like a template;
- `When(instant, zone)`: an instant, shown in the hub's zone in the reader's locale.

Messages that are stored (notifications, a booking's attention note) keep their values as JSON beside the
template (`to_json` / `from_json`), so they are translated when read, in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

LOCAL_FORMAT = "%a %d %b %Y %H:%M %Z"


class Term(str):
    """A domain word used as a value ("cancelled", "hours"): translated, unlike names people typed."""


@dataclass(frozen=True)
class When:
    """An instant shown to people in a zone (the asset's hub)."""

    at: datetime
    zone: str

    def __str__(self) -> str:  # the English rendering
        return format_local(self.at, self.zone)


def format_local(instant: datetime, zone_name: str) -> str:
    """An instant in English, in a zone the caller has already checked (a hub's)."""
    return instant.astimezone(ZoneInfo(zone_name)).strftime(LOCAL_FORMAT)


def msg(template: str) -> str:
    """Marks a template for extraction where it is not the first argument of an error (constants, lists)."""
    return template


def english(template: str, params: Mapping[str, Any] | None) -> str:
    """The message in English: the template filled with the values as they print."""
    if not params:
        return template
    return template % {name: str(value) if isinstance(value, When) else value for name, value in params.items()}


def to_json(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Values as JSON: Term -> {"term": word}, When -> {"at": ISO 8601 UTC, "zone": name}."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Term):
            out[name] = {"term": str(value)}
        elif isinstance(value, When):
            out[name] = {"at": value.at.astimezone(timezone.utc).isoformat(), "zone": value.zone}
        elif isinstance(value, (int, float, str)) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out


def from_json(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The inverse of `to_json`; anything unexpected comes back as plain text, never an error."""
    out: dict[str, Any] = {}
    for name, value in (data or {}).items():
        if isinstance(value, dict) and set(value) == {"term"}:
            out[name] = Term(str(value["term"]))
        elif isinstance(value, dict) and set(value) == {"at", "zone"}:
            try:
                out[name] = When(datetime.fromisoformat(value["at"]), str(value["zone"]))
            except (TypeError, ValueError):
                out[name] = str(value)
        else:
            out[name] = value
    return out
