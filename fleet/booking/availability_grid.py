"""An asset's availability as people read a calendar: a week of hourly slots and a month of days, in the
hub's zone, each slot past, closed (outside opening hours), busy (booked or in maintenance) or free.

Slots are wall-clock hours of the hub's zone. On the day the clocks go forward the skipped hour has no slot
(`gap`); on the day they go back the repeated hour is one slot two hours long. A slot is open when it lies
wholly inside the hub's opening periods, so that both its start and its end are allowed handover times.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from fleet.booking.availability import busy_intervals
from fleet.core.errors import ValidationFailed
from fleet.core.localtime import localize, to_local
from fleet.core.messages import msg
from fleet.core.opening_hours import WeeklyHours, open_intervals, parse_opening_hours
from fleet.models import Asset, AssetStatus


class SlotState(str, enum.Enum):
    free = "free"
    busy = "busy"
    closed = "closed"
    past = "past"
    gap = "gap"  # a wall-clock hour that does not exist that day (DST)


class DayState(str, enum.Enum):
    free = "free"        # every open hour still ahead is free
    partly = "partly"    # some open hours free, some taken
    taken = "taken"      # open, but nothing free
    closed = "closed"    # not open that day
    past = "past"


# The day states as people read them (translated by the delivery layer).
DAY_LABELS = {DayState.free: msg("free to book"), DayState.partly: msg("partly taken"), DayState.taken: msg("fully taken"),
              DayState.closed: msg("hub closed"), DayState.past: msg("past")}


@dataclass
class Slot:
    local_start: datetime      # naive wall-clock time in the hub's zone
    local_end: datetime
    start: datetime | None     # UTC; None for a gap
    end: datetime | None
    state: SlotState
    busy_kind: str = ""        # "booked" or "maintenance" (a template for people) when busy


@dataclass
class Day:
    day: date
    slots: list[Slot] = field(default_factory=list)

    @property
    def state(self) -> DayState:
        open_slots = [s for s in self.slots if s.state in (SlotState.free, SlotState.busy, SlotState.past)]
        if not open_slots:
            return DayState.closed
        ahead = [s for s in open_slots if s.state != SlotState.past]
        if not ahead:
            return DayState.past
        free = sum(1 for s in ahead if s.state == SlotState.free)
        if free == len(ahead):
            return DayState.free
        return DayState.partly if free else DayState.taken

    @property
    def label(self) -> str:
        return DAY_LABELS[self.state]


@dataclass
class WeekGrid:
    monday: date
    zone: str
    hours: list[int]           # the rows shown: local hours from the earliest opening to the latest closing
    days: list[Day]

    def row(self, hour: int) -> list[Slot]:
        return [next(s for s in d.slots if s.local_start.hour == hour) for d in self.days]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


@dataclass
class MonthGrid:
    first: date
    zone: str
    weeks: list[list[Day | None]]  # Monday first; None outside the month

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def parse_week(text: str | None, today: date) -> date:
    """'YYYY-MM-DD' (any day of the week) -> that week's Monday; blank: this week."""
    if not (text or "").strip():
        return monday_of(today)
    try:
        return monday_of(date.fromisoformat(text.strip()[:10]))
    except ValueError:
        raise ValidationFailed("'%(text)s' is not a date; write YYYY-MM-DD.", field="week", text=text) from None


def parse_month(text: str | None, today: date) -> date:
    """'YYYY-MM' -> the first of that month; blank: this month."""
    text = (text or "").strip()
    if not text:
        return today.replace(day=1)
    try:
        return date.fromisoformat(text[:7] + "-01")
    except ValueError:
        raise ValidationFailed("'%(text)s' is not a month; write YYYY-MM.", field="month", text=text) from None


def _shown_hours(hours: WeeklyHours) -> list[int]:
    if hours.always_open:
        return list(range(24))
    ranges = [r for day in hours.days for r in day]
    if not ranges:
        return list(range(24))
    first = min(start for start, _ in ranges) // 60
    last = (max(end for _, end in ranges) + 59) // 60
    return list(range(first, min(last, 24)))


def _instant(day: date, hour: int, zone_name: str) -> datetime | None:
    """Wall-clock `hour` (24 and beyond: into the next day) of `day` as UTC; None when it does not exist."""
    naive = datetime.combine(day, time()) + timedelta(hours=hour)
    try:
        return localize(naive, zone_name)
    except ValidationFailed:
        return None  # inside the hour the clocks skip


def _days(session: Session, asset: Asset, first: date, count: int, hour_rows: list[int], now: datetime,
          hours: WeeklyHours) -> list[Day]:
    zone_name = asset.hub.timezone
    # midnight itself may not exist where the clocks change at 00:00 (Havana, Santiago): an hour later does
    span_start = _instant(first, 0, zone_name) or _instant(first, 1, zone_name)
    last = first + timedelta(days=count)
    span_end = (_instant(last, 0, zone_name) or _instant(last, 1, zone_name)) + timedelta(hours=2)
    busy = busy_intervals(session, asset.id, span_start, span_end)
    opening = open_intervals(hours, zone_name, span_start, span_end)
    unusable = asset.status != AssetStatus.active
    days = []
    for offset in range(count):
        day = Day(first + timedelta(days=offset))
        for hour in hour_rows:
            local_start = datetime.combine(day.day, time()) + timedelta(hours=hour)
            local_end = local_start + timedelta(hours=1)
            start = _instant(day.day, hour, zone_name)
            # the next wall-clock hour that exists: a slot before a skipped hour ends where the clocks resume
            end = None if start is None else (_instant(day.day, hour + 1, zone_name)
                                              or _instant(day.day, hour + 2, zone_name))
            day.slots.append(_slot(local_start, local_end, start, end, busy, opening, now, unusable))
        days.append(day)
    return days


def _slot(local_start, local_end, start, end, busy, opening, now, unusable) -> Slot:
    if start is None or end is None:
        return Slot(local_start, local_end, None, None, SlotState.gap)
    if opening is not None and not any(o <= start and end <= c for o, c in opening):
        return Slot(local_start, local_end, start, end, SlotState.closed)
    if end <= now:
        return Slot(local_start, local_end, start, end, SlotState.past)
    hit = next((kind for s, e, kind in busy if s < end and start < e), None)
    if hit is not None:
        return Slot(local_start, local_end, start, end, SlotState.busy, hit)
    if unusable:
        return Slot(local_start, local_end, start, end, SlotState.busy, "maintenance")
    if start < now:
        return Slot(local_start, local_end, start, end, SlotState.past)  # already begun: book from the next one
    return Slot(local_start, local_end, start, end, SlotState.free)


def week_grid(session: Session, asset: Asset, monday: date, now: datetime) -> WeekGrid:
    hours = parse_opening_hours(asset.hub.opening_hours)
    rows = _shown_hours(hours)
    return WeekGrid(monday, asset.hub.timezone, rows, _days(session, asset, monday, 7, rows, now, hours))


def month_grid(session: Session, asset: Asset, first: date, now: datetime) -> MonthGrid:
    hours = parse_opening_hours(asset.hub.opening_hours)
    following = (first + timedelta(days=32)).replace(day=1)
    days = _days(session, asset, first, (following - first).days, list(range(24)), now, hours)
    cells: list[Day | None] = [None] * first.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return MonthGrid(first, asset.hub.timezone, [cells[i:i + 7] for i in range(0, len(cells), 7)])


def today_in(zone_name: str, now: datetime) -> date:
    return to_local(now, zone_name).date()


__all__ = ["SlotState", "DayState", "Slot", "Day", "WeekGrid", "MonthGrid", "week_grid", "month_grid",
           "parse_week", "parse_month", "monday_of", "today_in"]
