"""iCalendar (RFC 5545) feeds: a member's own bookings, and one asset's bookings and maintenance.

A member subscribes to `/calendar/<secret>.ics`; the secret in the URL is the only credential, so it is
long (`secrets.token_urlsafe(32)`), replaced to rotate and cleared to revoke. Coordinators read an asset's
feed behind their login.

Choices that keep every client happy:
- Times are written in UTC (`DTSTART:20260105T090000Z`), so no VTIMEZONE is needed and no client has to
  know a hub's zone; calendar apps show them in the reader's own zone.
- One VEVENT per booking with a UID that never changes (`booking-<id>@<domain>`); a booking that ends up
  cancelled, rejected or a no-show stays in the feed with `STATUS:CANCELLED` so clients remove it instead of
  keeping a stale copy. Pending bookings are `TENTATIVE`. SEQUENCE follows the status (bookings never change
  their times, only their status), so it grows with every change a client must notice.
- Text goes through icalendar's typed values, which escape commas, semicolons, backslashes and newlines.
- iCalendar times have whole seconds: a start is rounded down and an end up, so an event always covers
  its booking.
- `METHOD:PUBLISH`, so DTSTAMP is when the feed was generated (RFC 5545 §3.8.7.2).
- The words for people (the calendar's name, each event's description) are templates with values
  (fleet/core/messages.py), filled in by `translate`: English unless the delivery layer passes its translator.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vText
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.core.errors import NotFound
from fleet.core.messages import Term, english, msg
from fleet.models import Asset, Booking, BookingStatus, MaintenanceWindow, Member
from fleet.members.permissions import require_coordinator

PRODID = "-//Commonpool//Commonpool bookings 1.0//EN"
PAST_DAYS = 90
MAX_ID = 2**31 - 1
# What token_urlsafe gives, no longer than the column: anything else cannot be a secret we issued.
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
REFRESH = timedelta(hours=1)

ICAL_STATUS = {
    BookingStatus.pending: "TENTATIVE",
    BookingStatus.confirmed: "CONFIRMED",
    BookingStatus.checked_out: "CONFIRMED",
    BookingStatus.completed: "CONFIRMED",
    BookingStatus.cancelled: "CANCELLED",
    BookingStatus.rejected: "CANCELLED",
    BookingStatus.no_show: "CANCELLED",
}
# Each step of a booking's life (pending -> confirmed -> ..., or -> cancelled) raises the number.
SEQUENCE = {
    BookingStatus.pending: 0,
    BookingStatus.confirmed: 1,
    BookingStatus.checked_out: 1,
    BookingStatus.completed: 1,
    BookingStatus.cancelled: 2,
    BookingStatus.rejected: 2,
    BookingStatus.no_show: 2,
}
STATUS_TEXT = {BookingStatus.pending: msg("waiting for a coordinator's approval")}

BookingUrl = Callable[[Booking], str]
# (template, values) -> text for people; `fleet.core.messages.english` by default, `translate_message` on the web
Translate = Callable[[str, dict], str]


# --- the secret ---------------------------------------------------------------------------------------------

def create_calendar_secret(session: Session, member: Member) -> str:
    """Give the member a feed secret unless they have one (a repeated click changes nothing)."""
    if member.calendar_secret:
        return member.calendar_secret
    return rotate_calendar_secret(session, member)


def rotate_calendar_secret(session: Session, member: Member) -> str:
    """A new secret; the old URL stops working at once."""
    member.calendar_secret = secrets.token_urlsafe(32)
    session.flush()
    return member.calendar_secret


def revoke_calendar_secret(session: Session, member: Member) -> None:
    member.calendar_secret = None
    session.flush()


def member_for_calendar_secret(session: Session, secret: str) -> Member:
    """The active member whose feed this is; NotFound for anything else, so a guess learns nothing."""
    if not SECRET_PATTERN.fullmatch(secret or ""):
        raise NotFound("No such calendar.")
    member = session.scalar(select(Member).where(Member.calendar_secret == secret))
    if member is None or not member.active:
        raise NotFound("No such calendar.")
    return member


# --- the feeds ----------------------------------------------------------------------------------------------

def member_calendar(session: Session, member: Member, now: datetime, *, domain: str,
                    booking_url: BookingUrl | None = None, title: str = "Commonpool",
                    translate: Translate = english) -> bytes:
    """The member's bookings that ended in the last 90 days or end later, as an iCalendar document."""
    bookings = session.scalars(
        select(Booking)
        .where(Booking.member_id == member.id, Booking.end_at > now - timedelta(days=PAST_DAYS))
        .options(joinedload(Booking.asset).joinedload(Asset.hub))
        .order_by(Booking.start_at, Booking.id)
    ).all()
    calendar = _calendar(translate(msg("%(title)s: my bookings"), {"title": title}),
                         translate(msg("Bookings of %(name)s"), {"name": member.name}))
    for booking in bookings:
        calendar.add_component(_booking_event(booking, now, domain, booking_url, show_member=False,
                                              translate=translate))
    return calendar.to_ical()


def asset_calendar(session: Session, actor: Member, asset_id: int, now: datetime, *, domain: str,
                   booking_url: BookingUrl | None = None, title: str = "Commonpool",
                   translate: Translate = english) -> bytes:
    """One asset's bookings and maintenance windows (last 90 days and the future), for coordinators."""
    require_coordinator(actor)
    asset = _load_asset(session, asset_id)
    if not actor.coordinates_pool(asset.category.pool_id):
        raise NotFound("No such asset.")
    since = now - timedelta(days=PAST_DAYS)
    bookings = session.scalars(
        select(Booking)
        .where(Booking.asset_id == asset.id, Booking.end_at > since)
        .options(joinedload(Booking.member))
        .order_by(Booking.start_at, Booking.id)
    ).all()
    windows = session.scalars(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.asset_id == asset.id, MaintenanceWindow.end_at > since)
        .order_by(MaintenanceWindow.start_at, MaintenanceWindow.id)
    ).all()
    calendar = _calendar(f"{title}: {asset.name}",
                         translate(msg("Bookings and maintenance of %(asset)s"), {"asset": asset.name}))
    for booking in bookings:
        calendar.add_component(_booking_event(booking, now, domain, booking_url, show_member=True,
                                              translate=translate))
    for window in windows:
        calendar.add_component(_maintenance_event(window, asset, now, domain, translate=translate))
    return calendar.to_ical()


def booking_uid(booking_id: int, domain: str) -> str:
    return f"booking-{booking_id}@{domain}"


def maintenance_uid(window_id: int, domain: str) -> str:
    return f"maintenance-{window_id}@{domain}"


def whole_second_floor(instant: datetime) -> datetime:
    return instant.replace(microsecond=0)


def whole_second_ceil(instant: datetime) -> datetime:
    """iCalendar has no fractions of a second: round the end up so the event still covers the booking."""
    return instant.replace(microsecond=0) + timedelta(seconds=1) if instant.microsecond else instant


def _load_asset(session: Session, asset_id: int) -> Asset:
    if not 1 <= asset_id <= MAX_ID:  # beyond the integer column: it cannot exist (and SQLite would overflow)
        raise NotFound("No such asset.")
    asset = session.get(Asset, asset_id, options=[joinedload(Asset.hub)])
    if asset is None:
        raise NotFound("No such asset.")
    return asset


def _calendar(name: str, description: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # NAME and DESCRIPTION are RFC 7986; X-WR-* are what Apple, Google and Outlook read. icalendar does not
    # know the types of these, so they are given as text explicitly to be escaped.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar


def _location(asset: Asset) -> str:
    hub = asset.hub
    return f"{hub.name}, {hub.address}" if hub.address else hub.name


def _booking_event(booking: Booking, now: datetime, domain: str, booking_url: BookingUrl | None,
                   show_member: bool, translate: Translate = english) -> Event:
    asset = booking.asset
    status = ICAL_STATUS.get(booking.status, "CONFIRMED")
    status_text = Term(STATUS_TEXT.get(booking.status, booking.status.value.replace("_", " ")))
    lines = [translate(msg("Status: %(status)s"), {"status": status_text})]
    if show_member:
        lines.append(translate(msg("Member: %(name)s"), {"name": booking.member.name}))
    lines.append(translate(msg("Hub: %(hub)s"), {"hub": _location(asset)}))
    lines.append(translate(msg("Pick-up and return hours: %(hours)s"), {"hours": asset.hub.opening_hours}))
    if booking.note:
        lines.append(translate(msg("Note: %(note)s"), {"note": booking.note}))
    if booking.decision_reason:
        lines.append(translate(msg("Coordinator: %(reason)s"), {"reason": booking.decision_reason}))
    url = booking_url(booking) if booking_url else None
    if url:
        lines.append(url)

    event = Event()
    event.add("uid", booking_uid(booking.id, domain))
    event.add("dtstamp", now)
    event.add("dtstart", whole_second_floor(booking.start_at))
    event.add("dtend", whole_second_ceil(booking.end_at))
    event.add("summary", asset.name)
    event.add("location", _location(asset))
    event.add("geo", (asset.hub.lat, asset.hub.lon))
    event.add("description", "\n".join(lines))
    event.add("status", status)
    event.add("sequence", SEQUENCE.get(booking.status, 0))
    event.add("transp", "TRANSPARENT" if status == "CANCELLED" else "OPAQUE")
    event.add("created", booking.created_at)
    event.add("last-modified", max(t for t in (booking.created_at, booking.decided_at, booking.cancelled_at) if t))
    if url:
        event.add("url", url)
    return event


def _maintenance_event(window: MaintenanceWindow, asset: Asset, now: datetime, domain: str,
                       translate: Translate = english) -> Event:
    event = Event()
    event.add("uid", maintenance_uid(window.id, domain))
    event.add("dtstamp", now)
    event.add("dtstart", whole_second_floor(window.start_at))
    event.add("dtend", whole_second_ceil(window.end_at))
    event.add("summary", translate(msg("Maintenance: %(asset)s"), {"asset": asset.name}))
    event.add("location", _location(asset))
    event.add("geo", (asset.hub.lat, asset.hub.lon))
    event.add("description", window.reason or translate(msg("Maintenance"), {}))
    event.add("status", "CONFIRMED")
    event.add("sequence", 0)
    event.add("transp", "OPAQUE")
    event.add("created", window.created_at)
    event.add("categories", ["Maintenance"])
    return event


__all__ = ["create_calendar_secret", "rotate_calendar_secret", "revoke_calendar_secret",
           "member_for_calendar_secret", "member_calendar", "asset_calendar", "booking_uid", "maintenance_uid",
           "ICAL_STATUS", "PAST_DAYS"]
