"""Weekly opening hours of a hub, written as text a coordinator can type.

Grammar: "24/7", or rules separated by ';' such as "Mon-Fri 08:00-18:00; Sat 09:00-13:00, 14:00-17:00".
A day not named is closed. "24:00" means midnight at the end of the day. A pick-up or return may happen
at any instant from opening to closing time inclusive, in the hub's own zone.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from fleet.core.errors import ValidationFailed
from fleet.core.localtime import to_local, zone
from fleet.core.messages import Term, msg

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALWAYS = {"24/7", "always", "open 24/7"}
# The days as `describe` names them (translated by the delivery layer).
DAY_NAMES = (msg("Mon"), msg("Tue"), msg("Wed"), msg("Thu"), msg("Fri"), msg("Sat"), msg("Sun"))
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class WeeklyHours:
    always_open: bool
    # per weekday (0 = Monday) a tuple of (open_minute, close_minute) with close <= 1440
    days: tuple[tuple[tuple[int, int], ...], ...]

    def is_open_at(self, instant: datetime, zone_name: str) -> bool:
        if self.always_open:
            return True
        local = to_local(instant, zone_name)
        minute = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
        for start, end in self.days[local.weekday()]:
            if start <= minute <= end:
                return True
        # Midnight belongs to yesterday's "…-24:00" as well as to today.
        if minute == 0:
            for _start, end in self.days[(local.weekday() - 1) % 7]:
                if end == 1440:
                    return True
        return False

    def describe(self) -> list[tuple[str, dict]]:
        """One line per day for people, as a template and its values (fleet/core/messages.py): "Mon 08:00-18:00",
        "Sun closed", or "Open around the clock"."""
        if self.always_open:
            return [(msg("Open around the clock"), {})]
        lines: list[tuple[str, dict]] = []
        for i, ranges in enumerate(self.days):
            text = ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)
            if text:
                lines.append((msg("%(day)s %(hours)s"), {"day": Term(DAY_NAMES[i]), "hours": text}))
            else:
                lines.append((msg("%(day)s closed"), {"day": Term(DAY_NAMES[i])}))
        return lines


def _day_span(token: str) -> list[int]:
    token = token.strip().lower()
    if "-" in token:
        first, last = (t.strip()[:3] for t in token.split("-", 1))
        if first not in DAYS or last not in DAYS:
            raise ValidationFailed("Unknown day range '%(text)s'; use Mon, Tue, … Sun.", field="opening_hours",
                                   text=token)
        i, j = DAYS.index(first), DAYS.index(last)
        return list(range(i, j + 1)) if i <= j else list(range(i, 7)) + list(range(j + 1))
    if token[:3] not in DAYS:
        raise ValidationFailed("Unknown day '%(text)s'; use Mon, Tue, … Sun.", field="opening_hours", text=token)
    return [DAYS.index(token[:3])]


@lru_cache(maxsize=512)
def parse_opening_hours(text: str) -> WeeklyHours:
    """Parse the text form; raise ValidationFailed with the offending part named. Cached: every search and
    every booking check reads the same few hubs' hours, and the result is immutable."""
    text = (text or "").strip()
    if text.lower() in ALWAYS:
        return WeeklyHours(True, tuple(() for _ in DAYS))
    if not text:
        raise ValidationFailed("Enter opening hours, or 24/7.", field="opening_hours")
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for rule in filter(None, (r.strip() for r in text.split(";"))):
        parts = rule.split(None, 1)
        if len(parts) != 2:
            raise ValidationFailed("Cannot read '%(text)s'; write e.g. 'Mon-Fri 08:00-18:00'.",
                                   field="opening_hours", text=rule)
        day_tokens, ranges_text = parts
        indices = [i for token in day_tokens.split(",") for i in _day_span(token)]
        for range_text in ranges_text.split(","):
            m = _RANGE.match(range_text.strip())
            if not m:
                raise ValidationFailed("Cannot read the hours '%(text)s'; write e.g. 08:00-18:00.",
                                       field="opening_hours", text=range_text.strip())
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if h1 > 23 or m1 > 59 or m2 > 59 or end > 1440 or end <= start:
                raise ValidationFailed("The hours '%(text)s' are not a valid range.",
                                       field="opening_hours", text=range_text.strip())
            for i in indices:
                days[i].append((start, end))
    return WeeklyHours(False, tuple(tuple(sorted(d)) for d in days))


def is_open_at(opening_hours_text: str, instant: datetime, zone_name: str) -> bool:
    return parse_opening_hours(opening_hours_text).is_open_at(instant, zone_name)




def open_intervals(hours: WeeklyHours, zone_name: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]] | None:
    """The hub's opening periods overlapping [start, end] as UTC (open, close) pairs, adjacent ones merged
    (a "...-24:00" evening runs into a "00:00-..." morning). None when the hub never closes."""
    if hours.always_open:
        return None
    tz = zone(zone_name)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    periods: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        for open_minute, close_minute in hours.days[day.weekday()]:
            # wall-clock to UTC; zoneinfo resolves a time inside a DST gap to a real instant nearby
            o = (midnight + timedelta(minutes=open_minute)).replace(tzinfo=tz).astimezone(timezone.utc)
            c = (midnight + timedelta(minutes=close_minute)).replace(tzinfo=tz).astimezone(timezone.utc)
            if c >= start and o <= end:
                periods.append((o, c))
        day += timedelta(days=1)
    periods.sort()
    merged: list[tuple[datetime, datetime]] = []
    for o, c in periods:
        if merged and o <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], c))
        else:
            merged.append((o, c))
    return merged
