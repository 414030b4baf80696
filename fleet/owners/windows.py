"""The owner says when their item may be borrowed: weekly windows, dated exceptions, and their own use.

The owner's own use comes first: blocking time for themselves releases the borrowers' bookings in it, each
borrower told why (never dropped silently), and the freed slots go through `booking_freed` like any
cancellation. Marking time unavailable for another reason is refused while bookings hold it: the owner
sees which, and releases or keeps them one by one (`fleet.owners.withdrawal.release_booking`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.booking.availability import overlapping_bookings
from fleet.booking.bookings import booking_values
from fleet.core import signals
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.text import single_line
from fleet.members.notifications import notify
from fleet.models import AvailabilityException, AvailabilityWindow, Booking, ExceptionKind, Member, OwnedItem

MAX_WINDOWS = 50
MAX_EXCEPTION_DAYS = 366
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
EXCEPTION_KINDS = tuple(k.value for k in ExceptionKind)


@dataclass
class WindowInput:
    weekday: int      # 0 Monday ... 6 Sunday
    start: str        # "HH:MM" local time
    end: str          # "HH:MM", "24:00" for midnight


def _minutes(text: str, field: str) -> int:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _CLOCK.match(text):
        raise ValidationFailed("Times are HH:MM, from 00:00 to 24:00.", field=field)
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def replace_windows(session: Session, item: OwnedItem, windows: list[WindowInput]) -> list[AvailabilityWindow]:
    if len(windows) > MAX_WINDOWS:
        raise ValidationFailed("At most %(count)s weekly windows.", field="windows", count=MAX_WINDOWS)
    rows = []
    for w in windows:
        if isinstance(w.weekday, bool) or not isinstance(w.weekday, int) or not 0 <= w.weekday <= 6:
            raise ValidationFailed("The weekday is 0 (Monday) to 6 (Sunday).", field="windows")
        start, end = _minutes(w.start, "windows"), _minutes(w.end, "windows")
        if end <= start:
            raise ValidationFailed("A window must end after it starts.", field="windows")
        rows.append(AvailabilityWindow(weekday=w.weekday, start_minute=start, end_minute=end))
    item.windows.clear()
    session.flush()
    item.windows.extend(rows)
    session.flush()
    return item.windows


def owned_by(session: Session, actor: Member, item_id: int) -> OwnedItem:
    """An item the actor owns and may change (404 for members who neither own it nor coordinate, 403 for
    coordinators: only the owner says when their things are available)."""
    item = session.get(OwnedItem, item_id) if isinstance(item_id, int) else None
    if item is None or (item.owner_id != actor.id and not actor.coordinates_pool(item.asset.category.pool_id)):
        raise NotFound("No such item.")
    if item.owner_id != actor.id:
        raise Forbidden("Only the owner can change when the item is available.")
    if item.withdrawn_at is not None:
        raise Conflict("This item has been withdrawn from the pool.")
    return item


def set_windows(session: Session, actor: Member, item_id: int, windows: list[WindowInput]) -> OwnedItem:
    """Replace the weekly windows. Bookings already made are kept, even outside the new windows."""
    item = owned_by(session, actor, item_id)
    replace_windows(session, item, windows)
    return item


@dataclass
class ExceptionResult:
    exception: AvailabilityException
    released: list[Booking]


def add_exception(session: Session, actor: Member, item_id: int, kind: str, start: datetime, end: datetime,
                  note: str, now: datetime) -> ExceptionResult:
    """Add a dated exception. `owner_use` releases borrowers' bookings in it (each borrower is told);
    `unavailable` is refused while a booking holds the time; `available` adds time outside the windows."""
    item = owned_by(session, actor, item_id)
    if kind not in EXCEPTION_KINDS:
        raise ValidationFailed("Choose available, unavailable or the owner's own use.", field="kind")
    note = single_line(note, "note")[:300]
    if end <= start:
        raise ValidationFailed("The end must be after the start.", field="end")
    if end <= now:
        raise ValidationFailed("The end is in the past.", field="end")
    if (end - start).days > MAX_EXCEPTION_DAYS:
        raise ValidationFailed("An exception lasts at most %(days)s days.", field="end", days=MAX_EXCEPTION_DAYS)
    held = [b for b in overlapping_bookings(session, item.asset_id, start, end) if b.member_id != item.owner_id]
    released: list[Booking] = []
    if kind == ExceptionKind.unavailable.value and held:
        raise Conflict("%(count)s bookings hold that time; release or keep them first, or block it for your own "
                       "use.", field="start", count=len(held))
    if kind == ExceptionKind.owner_use.value:
        for booking in held:
            if booking.status.value == "checked_out":
                raise Conflict("%(asset)s is out with a borrower during that time.", field="start",
                               asset=item.asset.name)
        for booking in held:
            release_for_owner(session, booking, now)
            released.append(booking)
    row = AvailabilityException(owned_item_id=item.id, kind=ExceptionKind(kind), start_at=start, end_at=end,
                                note=note, created_at=now)
    session.add(row)
    session.flush()
    session.refresh(item)
    return ExceptionResult(row, released)


def release_for_owner(session: Session, booking: Booking, now: datetime) -> None:
    """Cancel a borrower's booking because the owner needs the item, telling the borrower; the slot is freed
    for the waitlist like any cancellation."""
    booking.cancel(now)
    notify(session, booking.member_id, "booking_cancelled",
           "The owner of %(asset)s needs it back and released your booking: %(asset)s at %(hub)s, %(start)s to "
           "%(end)s.", now, booking.id, **booking_values(booking, booking.asset))
    session.flush()
    signals.booking_freed.send(session, booking=booking, now=now)


def remove_exception(session: Session, actor: Member, item_id: int, exception_id: int) -> None:
    item = owned_by(session, actor, item_id)
    row = session.scalar(select(AvailabilityException).where(AvailabilityException.id == exception_id,
                                                             AvailabilityException.owned_item_id == item.id))
    if row is None:
        raise NotFound("No such exception.")
    if row.kind == ExceptionKind.available:
        held = [b for b in overlapping_bookings(session, item.asset_id, row.start_at, row.end_at)
                if b.member_id != item.owner_id]
        if held:
            raise Conflict("%(count)s bookings hold that time; release or keep them first, or block it for your "
                           "own use.", count=len(held))
    session.delete(row)
    session.flush()
    session.refresh(item)
