"""Half-open intervals [start, end) of instants."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def free_between(busy: Iterable[tuple[datetime, datetime]], start: datetime,
                 end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) that no busy interval covers; `busy` sorted by start, overlaps allowed."""
    free, cursor = [], start
    for b_start, b_end in busy:
        if b_start >= end:
            break
        if b_start > cursor:
            free.append((cursor, b_start))
        cursor = max(cursor, b_end)
    if cursor < end:
        free.append((cursor, end))
    return free
