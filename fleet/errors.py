"""Domain errors. The delivery layer maps them: ValidationFailed -> 422/form error, NotFound -> 404,
Conflict -> 409, Forbidden -> 403. Messages are written for the member who will read them."""
from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """The request breaks a rule (bad value, booking rule, opening hours)."""

    status = 422


class NotFound(DomainError):
    """The object does not exist or the actor may not know it exists (so ids do not leak)."""

    status = 404


class Conflict(DomainError):
    """The slot is taken, or the object changed state in the meantime."""

    status = 409


class Forbidden(DomainError):
    status = 403
