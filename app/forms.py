"""Reading HTML form values into typed arguments; bad values become field errors, never a 500."""
from __future__ import annotations

from fleet.errors import DomainError, ValidationFailed

MAX_INT = 2**31 - 1  # the database integer range


def field_errors(exc: DomainError, rename: dict[str, str] | None = None) -> dict[str, str]:
    """{form field: message}; `rename` maps a service's field name to the form's."""
    field = exc.field or "_form"
    from app.i18n import translate_message

    return {(rename or {}).get(field, field): translate_message(exc)}


def optional_float(form, name: str) -> float | None:
    text = (form.get(name) or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a number.", field=name) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationFailed("Enter a finite number.", field=name)
    return value


def optional_int(form, name: str) -> int | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a whole number.", field=name) from None
    if abs(value) > MAX_INT:
        raise ValidationFailed(f"{text!r} is too large.", field=name)
    return value


def required_int(form, name: str, label: str) -> int:
    value = optional_int(form, name)
    if value is None:
        raise ValidationFailed(f"Enter {label}.", field=name)
    return value


def checkbox(form, name: str) -> bool:
    return form.get(name) in ("on", "1", "true", "yes")
