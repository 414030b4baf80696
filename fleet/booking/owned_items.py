"""When a member-owned item may be borrowed, read by every booking path.

An owned item is available only inside its owner's weekly windows (wall-clock time in the item's zone) and
its dated "available" exceptions, minus its "unavailable" and "owner use" exceptions; the owner's own use
always wins. A withdrawn item is never available again. Outside that time the item counts as busy: in the
search, in free intervals, in the one booking write path and, through `owner_blackouts`, in the optimiser.
Assets no member owns are not affected.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, time, timedelta, timezone
from typing import NamedTuple

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql import Select

from fleet.core.intervals import free_between
from fleet.core.localtime import zone
from fleet.core.messages import msg
from fleet.models import AvailabilityException, AvailabilityWindow, Booking, BookingStatus, ExceptionKind, OwnedItem

Interval = tuple[datetime, datetime]


NOT_OFFERED = msg("not offered by the owner")  # the busy-interval word for time the owner does not offer

def owned_item_for(session: Session, asset_id: int) -> OwnedItem | None:
    return session.scalar(select(OwnedItem).where(OwnedItem.asset_id == asset_id)
                          .options(selectinload(OwnedItem.windows), selectinload(OwnedItem.exceptions)))


def owned_items_for(session: Session, asset_ids: Iterable[int]) -> dict[int, OwnedItem]:
    ids = list(asset_ids)
    if not ids:
        return {}
    # One round trip: an item has a handful of windows and exceptions, so the joined product stays small.
    return {i.asset_id: i for i in session.scalars(
        select(OwnedItem).where(OwnedItem.asset_id.in_(ids))
        .options(joinedload(OwnedItem.windows), joinedload(OwnedItem.exceptions))).unique()}


class Window(NamedTuple):
    weekday: int
    start_minute: int
    end_minute: int


class DatedException(NamedTuple):
    kind: ExceptionKind
    start_at: datetime
    end_at: datetime


@dataclass
class ItemTimes:
    """What `available_intervals` reads of an owned item (its zone, withdrawal, weekly windows and exceptions),
    read as plain rows by `item_times_for` rather than loaded as objects."""
    timezone: str
    withdrawn_at: datetime | None
    windows: set[Window] = field(default_factory=set)
    exceptions: set[DatedException] = field(default_factory=set)


@cache
def _item_times_statement() -> Select:
    # Built once: its cache key costs more than running it. An item's row repeats once per weekly window and
    # exception overlapping the range (the exceptions outside it change nothing there).
    instant = AvailabilityException.__table__.c.start_at.type
    start, end = bindparam("start", type_=instant), bindparam("end", type_=instant)
    return (select(OwnedItem.asset_id, OwnedItem.timezone, OwnedItem.withdrawn_at, AvailabilityWindow.weekday,
                   AvailabilityWindow.start_minute, AvailabilityWindow.end_minute, AvailabilityException.kind,
                   AvailabilityException.start_at, AvailabilityException.end_at)
            .outerjoin(AvailabilityWindow, AvailabilityWindow.owned_item_id == OwnedItem.id)
            .outerjoin(AvailabilityException, and_(AvailabilityException.owned_item_id == OwnedItem.id,
                                                   AvailabilityException.start_at < end,
                                                   AvailabilityException.end_at > start))
            .where(OwnedItem.asset_id.in_(bindparam("asset_ids", expanding=True))))


def item_times_for(session: Session, asset_ids: Iterable[int], start: datetime,
                   end: datetime) -> dict[int, ItemTimes]:
    """{asset id: ItemTimes} of the owned ones among `asset_ids`, enough to tell `is_available` inside
    [start, end), in one statement."""
    ids = sorted(set(asset_ids))
    if not ids:
        return {}
    out: dict[int, ItemTimes] = {}
    rows = session.connection().execute(_item_times_statement(), {"asset_ids": ids, "start": start, "end": end}).all()
    # read by position (the statement's column order), as every search reads these rows
    for asset_id, zone_name, withdrawn_at, weekday, start_minute, end_minute, kind, start_at, end_at in rows:
        times = out.get(asset_id)
        if times is None:
            times = out[asset_id] = ItemTimes(zone_name, withdrawn_at)
        if weekday is not None:
            times.windows.add(Window(weekday, start_minute, end_minute))
        if kind is not None:
            times.exceptions.add(DatedException(kind, start_at, end_at))
    return out


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in intervals:
        out += free_between(holes, s, e)
    return out


def weekly_intervals(item: OwnedItem | ItemTimes, start: datetime, end: datetime) -> list[Interval]:
    """The item's weekly windows as UTC instants over [start, end)."""
    tz = zone(item.timezone)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    out: list[Interval] = []
    day = first
    while day <= last:
        for w in item.windows:
            if w.weekday != day.weekday():
                continue
            s = datetime.combine(day, time(), tzinfo=tz) + timedelta(minutes=w.start_minute)
            e = datetime.combine(day, time(), tzinfo=tz) + timedelta(minutes=w.end_minute)
            # local wall clock to UTC; timedelta on an aware datetime keeps the wall clock, as windows mean
            s, e = s.astimezone(timezone.utc), e.astimezone(timezone.utc)
            if s < end and e > start:
                out.append((max(s, start), min(e, end)))
        day += timedelta(days=1)
    return _merge(out)


def available_intervals(item: OwnedItem | ItemTimes, start: datetime, end: datetime) -> list[Interval]:
    """When the item may be borrowed inside [start, end): windows plus extra days, minus the owner's
    exceptions; nothing once withdrawn."""
    if item.withdrawn_at is not None:
        return []
    extra = [(max(x.start_at, start), min(x.end_at, end)) for x in item.exceptions
             if x.kind == ExceptionKind.available and x.start_at < end and x.end_at > start]
    blocked = _merge((x.start_at, x.end_at) for x in item.exceptions
                     if x.kind != ExceptionKind.available and x.start_at < end and x.end_at > start)
    return _subtract(_merge(weekly_intervals(item, start, end) + extra), blocked)


def unavailable_intervals(item: OwnedItem, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    """The complement of `available_intervals` inside [start, end), each with the word shown to people:
    the owner's own use where it is that, else outside the owner's windows."""
    out: list[tuple[datetime, datetime, str]] = []
    own = _merge((max(x.start_at, start), min(x.end_at, end)) for x in item.exceptions
                 if x.kind == ExceptionKind.owner_use and x.start_at < end and x.end_at > start)
    for s, e in free_between(available_intervals(item, start, end), start, end):
        cursor = s
        for os_, oe in own:
            if oe <= cursor or os_ >= e:
                continue
            if os_ > cursor:
                out.append((cursor, os_, NOT_OFFERED))
            out.append((max(os_, cursor), min(oe, e), msg("owner's own use")))
            cursor = min(oe, e)
        if cursor < e:
            out.append((cursor, e, msg("not offered by the owner")))
    return out


def is_available(item: OwnedItem | ItemTimes, start: datetime, end: datetime) -> bool:
    """Whether the whole of [start, end) lies inside the item's available time."""
    return available_intervals(item, start, end) == [(start, end)]


def owner_blackouts(session: Session, asset_ids: Iterable[int], start: datetime,
                    end: datetime) -> dict[int, list[Interval]]:
    """For the optimiser: per owned asset, the time in [start, end) it must not be assigned."""
    return {asset_id: [(s, e) for s, e, _ in unavailable_intervals(item, start, end)]
            for asset_id, item in owned_items_for(session, asset_ids).items()}


def needs_owner_approval(session: Session, item: OwnedItem, member_id: int) -> bool:
    """Whether a booking of the item by this member waits for the owner. The owner's own bookings never do;
    with `first_time`, a member who has completed a loan of any of this owner's items is trusted."""
    if member_id == item.owner_id or item.approval_mode.value == "none":
        return False
    if item.approval_mode.value == "every_booking":
        return True
    borrowed_before = session.scalar(select(exists().where(
        Booking.member_id == member_id, Booking.status == BookingStatus.completed,
        Booking.asset_id.in_(select(OwnedItem.asset_id).where(OwnedItem.owner_id == item.owner_id)))))
    return not borrowed_before
