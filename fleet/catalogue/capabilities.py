"""Typed capabilities: a category declares names and types, its assets carry values of those types."""
from __future__ import annotations

import re

from fleet.core.errors import ValidationFailed
from fleet.core.text import single_line

TYPES = ("number", "bool", "text")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


def parse_schema(text: str) -> dict[str, str]:
    """'seats:number, towbar:bool, fuel:text' -> {'seats': 'number', ...}."""
    schema: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, kind = part.partition(":")
        name, kind = name.strip().lower(), (kind.strip().lower() or "text")
        if not _NAME.match(name):
            raise ValidationFailed("'%(name)s' is not a capability name (lower-case letters, digits, _).",
                                   field="capability_schema", name=name)
        if kind not in TYPES:
            raise ValidationFailed("Capability '%(name)s' has type '%(kind)s'; use number, bool or text.",
                                   field="capability_schema", name=name, kind=kind)
        schema[name] = kind
    return schema


def format_schema(schema: dict[str, str]) -> str:
    return ", ".join(f"{k}:{v}" for k, v in schema.items())


def coerce_value(name: str, kind: str, raw) -> int | float | bool | str | None:
    """Turn form or JSON input into the declared type; None means 'not given'."""
    if raw is None:
        return None
    field = f"cap_{name}"
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValidationFailed("%(name)s must be yes or no.", field=field, name=name)
    if kind == "number":
        if isinstance(raw, bool):
            raise ValidationFailed("%(name)s must be a number.", field=field, name=name)
        if isinstance(raw, (int, float)):
            value = raw
        else:
            text = str(raw).strip()
            if text == "":
                return None
            try:
                value = float(text)
            except ValueError:
                raise ValidationFailed("%(name)s must be a number.", field=field, name=name) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationFailed("%(name)s must be a finite number.", field=field, name=name)
        return int(value) if float(value).is_integer() else float(value)
    text = single_line(str(raw), field)
    if len(text) > 100:
        raise ValidationFailed("%(name)s is too long (at most %(max)s characters).", field=field, name=name,
                               max=100)
    return text or None


def coerce_capabilities(schema: dict[str, str], raw: dict) -> dict:
    """Values for an asset: only declared names, each of its type; unknown names are an error."""
    unknown = set(raw) - set(schema)
    if unknown:
        if not schema:
            raise ValidationFailed("Unknown capability '%(name)s': this category has no capabilities.",
                                   field="capabilities", name=sorted(unknown)[0])
        raise ValidationFailed("Unknown capability '%(name)s' for this category; its capabilities are %(known)s.",
                               field="capabilities", name=sorted(unknown)[0], known=", ".join(sorted(schema)))
    values = {}
    for name, kind in schema.items():
        value = coerce_value(name, kind, raw.get(name))
        if value is not None:
            values[name] = value
    return values


def coerce_requirements(schema: dict[str, str], raw: dict) -> dict:
    """Search filters: like asset values, but a 'no' for a bool means 'do not care'."""
    values = coerce_capabilities(schema, raw)
    return {k: v for k, v in values.items() if not (schema[k] == "bool" and v is False)}
