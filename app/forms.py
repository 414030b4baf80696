"""Reading HTML form values into typed arguments; bad values become field errors, never a 500."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from fleet.core.errors import DomainError, ValidationFailed
from fleet.core.messages import Term

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
        raise ValidationFailed("'%(text)s' is not a number.", field=name, text=text) from None
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
        raise ValidationFailed("'%(text)s' is not a whole number.", field=name, text=text) from None
    if abs(value) > MAX_INT:
        raise ValidationFailed("'%(text)s' is too large.", field=name, text=text)
    return value


def required_time_limit(form, name: str = "time_limit") -> float:
    """The solver's time limit in seconds from a run form (optimiser runs, fleet plans); the service checks
    its range."""
    value = optional_float(form, name)
    if value is None:
        raise ValidationFailed("Enter a time limit in seconds.", field=name)
    return value


def required_int(form, name: str, label: str) -> int:
    """`label` names what to enter, marked for translation: `required_int(form, "days", N_("a period in days"))`."""
    value = optional_int(form, name)
    if value is None:
        raise ValidationFailed("Enter %(what)s.", field=name, what=Term(label))
    return value


def checkbox(form, name: str) -> bool:
    return form.get(name) in ("on", "1", "true", "yes")


def saved_unless_duplicate(save, duplicate):
    """Run `save()` (reading the form and calling a service, which flushes) and return what it saved. When a
    unique index catches a name that another coordinator saved a moment ago, raise `duplicate()`, the service's
    own "exists already" error, so that the race and the ordinary case read the same."""
    try:
        return save()
    except IntegrityError:
        raise duplicate() from None
