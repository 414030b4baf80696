"""Reading HTML form values into typed arguments; bad values become field errors, never a 500."""
from __future__ import annotations

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


def save_or_errors(save, duplicate):
    """Run `save()` (reading the form and calling a service) and commit. Returns (saved, {}, 200), or
    (None, field errors, status) after a rollback. When a unique index catches a name that another coordinator
    saved a moment ago, `duplicate()` gives the service's own "exists already" error, so the race and the
    ordinary case read the same. A 404 propagates."""
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db

    try:
        saved = save()
        db.session.commit()
        return saved, {}, 200
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return None, field_errors(exc), exc.status
    except IntegrityError:
        db.session.rollback()
        exc = duplicate()
        return None, field_errors(exc), exc.status
