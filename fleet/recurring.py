"""Recurring bookings: "every Saturday 09:00-12:00 for 8 weeks" at a hub, in the hub's wall-clock time.

Each occurrence is computed in the hub's zone (so 09:00 stays 09:00 across a DST change while its UTC
instant moves by an hour) and booked on its own with every booking rule; the ones that could not be booked
are listed with the reason. A series is cancelled whole (its future occurrences) or one occurrence at a time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.bookings import book_asset, cancel_booking, describe_booking, load_asset
from fleet.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from fleet.localtime import format_local, localize
from fleet.models import Asset, Booking, BookingSeries, BookingStatus, Member
from fleet.notifications import notify

MAX_OCCURRENCES = 52
MAX_INTERVAL_DAYS = 28


@dataclass
class Occurrence:
    start: datetime | None
    end: datetime | None
    local_label: str
    error: str = ""


@dataclass
class SeriesResult:
    series: BookingSeries
    booked: list[Booking]
    skipped: list[dict]


def duration_between(start_time: time, end_time: time) -> int:
    """Minutes from start to end wall-clock time; an end at or before the start is on the next day."""
    minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
    return minutes if minutes > 0 else minutes + 1440


def plan_occurrences(first_date: date, start_time: time, duration_minutes: int, count: int, interval_days: int,
                     zone_name: str) -> list[Occurrence]:
    """The occurrences' UTC intervals, from wall-clock times in the zone. A start or end that does not
    exist that day (the hour skipped by DST) becomes an occurrence with an error, not a shifted booking."""
    planned = []
    for i in range(count):
        naive_start = datetime.combine(first_date + timedelta(days=i * interval_days), start_time)
        naive_end = naive_start + timedelta(minutes=duration_minutes)
        label = f"{naive_start:%a %d %b %Y %H:%M}-{naive_end:%H:%M}"
        try:
            start, end = localize(naive_start, zone_name), localize(naive_end, zone_name)
        except ValidationFailed as exc:
            planned.append(Occurrence(None, None, label, exc.message))
            continue
        planned.append(Occurrence(start, end, label))
    return planned


def create_series(session: Session, member: Member, asset_id: int, first_date: date, start_time: time,
                  end_time: time, occurrences: int, now: datetime, *, interval_days: int = 7,
                  note: str = "") -> SeriesResult:
    """Book every occurrence that can be booked; list the others with why. Nothing bookable: Conflict."""
    if not member.active:
        raise Forbidden("Your account is deactivated.")
    if isinstance(occurrences, bool) or not isinstance(occurrences, int) or not 1 <= occurrences <= MAX_OCCURRENCES:
        raise ValidationFailed(f"Choose between 1 and {MAX_OCCURRENCES} occurrences.", field="occurrences")
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or \
            not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise ValidationFailed(f"Repeat every 1 to {MAX_INTERVAL_DAYS} days.", field="interval_days")
    asset = load_asset(session, asset_id)
    duration = duration_between(start_time, end_time)
    zone = asset.hub.timezone
    series = BookingSeries(member_id=member.id, asset_id=asset.id, first_date=first_date,
                           start_time=start_time.replace(second=0, microsecond=0), duration_minutes=duration,
                           interval_days=interval_days, occurrences=occurrences, timezone=zone,
                           note=(note or "").strip()[:2000], skipped=[], created_at=now)
    session.add(series)
    session.flush()
    booked, skipped = [], []
    for occurrence in plan_occurrences(first_date, series.start_time, duration, occurrences, interval_days, zone):
        if occurrence.error:
            skipped.append({"label": occurrence.local_label, "start": None, "end": None, "reason": occurrence.error})
            continue
        try:
            with session.begin_nested():
                booked.append(book_asset(session, member, asset.id, occurrence.start, occurrence.end, now,
                                         note=series.note, series_id=series.id))
        except DomainError as exc:
            skipped.append({"label": occurrence.local_label, "start": occurrence.start.isoformat(),
                            "end": occurrence.end.isoformat(), "reason": exc.message})
    if not booked:
        reasons = "; ".join(f"{s['label']}: {s['reason']}" for s in skipped[:3])
        raise Conflict(f"None of the {occurrences} occurrences could be booked ({reasons}).", field="first_date")
    series.skipped = skipped
    pending = any(b.status == BookingStatus.pending for b in booked)
    notify(session, member.id, "booking_confirmed",
           f"Recurring booking of {asset.name} at {asset.hub.name}: {len(booked)} of {occurrences} occurrences "
           f"{'requested (waiting for approval)' if pending else 'booked'}, from "
           f"{format_local(booked[0].start_at, zone)}"
           + (f"; {len(skipped)} could not be booked (see the series page)." if skipped else "."), now, booked[0].id)
    session.flush()
    return SeriesResult(series, booked, skipped)


def get_series(session: Session, actor: Member, series_id: int) -> BookingSeries:
    series = session.get(BookingSeries, series_id, options=[joinedload(BookingSeries.asset).joinedload(Asset.hub)])
    if series is None or (series.member_id != actor.id and not actor.is_coordinator):
        raise NotFound("No such series.")
    return series


def series_bookings(session: Session, series_id: int) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.series_id == series_id)
                                .order_by(Booking.start_at, Booking.id)))


def list_series(session: Session, actor: Member, page: int = 1, per_page: int = 20) -> tuple[list[BookingSeries], int]:
    """The actor's own series, newest first."""
    from sqlalchemy import func

    stmt = select(BookingSeries).where(BookingSeries.member_id == actor.id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.options(joinedload(BookingSeries.asset).joinedload(Asset.hub))
                           .order_by(BookingSeries.created_at.desc(), BookingSeries.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def cancel_series(session: Session, actor: Member, series_id: int, now: datetime) -> list[Booking]:
    """Cancel every occurrence that has not started; those already under way or past stay as they are."""
    series = get_series(session, actor, series_id)
    if series.cancelled_at is not None:
        raise Conflict("This series is cancelled already.")
    cancelled = []
    for booking in series_bookings(session, series.id):
        if booking.status in (BookingStatus.pending, BookingStatus.confirmed) and booking.start_at > now:
            cancelled.append(cancel_booking(session, actor, booking.id, now))
    series.cancelled_at = now
    session.flush()
    return cancelled


def describe_series(series: BookingSeries) -> str:
    end = (datetime.combine(series.first_date, series.start_time) + timedelta(minutes=series.duration_minutes)).time()
    every = "week" if series.interval_days == 7 else f"{series.interval_days} days"
    return (f"every {every} from {series.first_date:%a %d %b %Y}, {series.start_time:%H:%M}-{end:%H:%M} "
            f"({series.timezone}), {series.occurrences} times")


__all__ = ["create_series", "cancel_series", "get_series", "list_series", "series_bookings", "plan_occurrences",
           "duration_between", "describe_series", "describe_booking", "SeriesResult"]
