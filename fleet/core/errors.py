"""Domain errors. The delivery layer maps them: ValidationFailed -> 422/form error, NotFound -> 404,
Conflict -> 409, Forbidden -> 403. Messages are written for the member who will read them, as a template with
named values (see fleet/core/messages.py) so that the delivery layer can show them in the member's language:
`ValidationFailed("%(asset)s is already booked during that time.", asset=asset.name)`."""
from __future__ import annotations

from typing import Any

from fleet.core.messages import english


class DomainError(Exception):
    status = 400

    def __init__(self, template: str, field: str | None = None, **params: Any):
        self.template = template
        self.params = params
        self.message = english(template, params)  # English, for the API, the CLI and logs
        self.field = field
        super().__init__(self.message)


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
