"""State machines of the aggregates: which status may follow which. Models change status only through
their transition methods (Booking.cancel, FlexibleRequest.assign, OptimiserRun.apply, ...), which refuse
an illegal move with a Conflict, so that no service can, say, cancel a completed booking by assignment."""
from __future__ import annotations

import enum
from collections.abc import Mapping

from fleet.core.errors import Conflict
from fleet.core.messages import Term

Transitions = Mapping[enum.Enum, frozenset]


def status_term(status: enum.Enum) -> Term:
    """A status as the word people read ("checked out")."""
    return Term(str(status.value).replace("_", " "))


def checked(table: Transitions, current: enum.Enum, to: enum.Enum, refusal: str) -> enum.Enum:
    """`to` when the table allows it from `current`; otherwise a Conflict with `refusal`, a message template
    that may name the current status as %(status)s."""
    if to not in table.get(current, frozenset()):
        raise Conflict(refusal, status=status_term(current))
    return to
