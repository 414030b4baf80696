"""Recurring bookings: "every Saturday 09:00-12:00 for 8 weeks" at a hub, in the hub's wall-clock time.

Each occurrence is computed in the hub's zone (so 09:00 stays 09:00 across a DST change while its UTC
instant moves by an hour) and booked on its own with every booking rule; the ones that could not be booked
are listed with the reason. A series is cancelled whole (its future occurrences) or one occurrence at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.booking.bookings import book_asset, cancel_booking, load_asset
from fleet.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from fleet.core.localtime import localize
from fleet.core.messages import When, english, msg, to_json
from fleet.core.text import multi_line
from fleet.models import Asset, Booking, BookingSeries, BookingStatus, Member
from fleet.members.notifications import notify

MAX_OCCURRENCES = 52
MAX_INTERVAL_DAYS = 28


@dataclass
class Occurrence:
    start: datetime | None
    end: datetime | None
    local_label: str
    error: str = ""                       # in English
    error_template: str = ""              # the same as a template with its values (fleet/core/messages.py)
    error_params: dict = field(default_factory=dict)


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
            planned.append(Occurrence(None, None, label, exc.message, exc.template, exc.params))
            continue
        planned.append(Occurrence(start, end, label))
    return planned


def create_series(session: Session, member: Member, asset_id: int, first_date: date, start_time: time,
                  end_time: time, occurrences: int, now: datetime, *, interval_days: int = 7,
                  note: str = "") -> SeriesResult:
    """Book every occurrence that can be booked; list the others with why. Nothing bookable: Conflict."""
    if not member.active:
        raise Forbidden("Your account is deactivated.")
    note = multi_line(note, "note")
    if isinstance(occurrences, bool) or not isinstance(occurrences, int) or not 1 <= occurrences <= MAX_OCCURRENCES:
        raise ValidationFailed("Choose between 1 and %(max)s occurrences.", field="occurrences", max=MAX_OCCURRENCES)
    if isinstance(interval_days, bool) or not isinstance(interval_days, int) or \
            not 1 <= interval_days <= MAX_INTERVAL_DAYS:
        raise ValidationFailed("Repeat every 1 to %(max)s days.", field="interval_days", max=MAX_INTERVAL_DAYS)
    asset = load_asset(session, asset_id)
    duration = duration_between(start_time, end_time)
    zone = asset.hub.timezone
    series = BookingSeries(member_id=member.id, asset_id=asset.id, first_date=first_date,
                           start_time=start_time.replace(second=0, microsecond=0), duration_minutes=duration,
                           interval_days=interval_days, occurrences=occurrences, timezone=zone,
                           note=note[:2000], skipped=[], created_at=now)
    session.add(series)
    session.flush()
    booked, skipped = [], []
    for occurrence in plan_occurrences(first_date, series.start_time, duration, occurrences, interval_days, zone):
        if occurrence.error:
            skipped.append(_skipped(occurrence, occurrence.error_template, occurrence.error_params))
            continue
        try:
            with session.begin_nested():
                booked.append(book_asset(session, member, asset.id, occurrence.start, occurrence.end, now,
                                         note=series.note, series_id=series.id))
        except DomainError as exc:
            skipped.append(_skipped(occurrence, exc.template, exc.params))
    if not booked:
        # The reasons are messages themselves; a value cannot be translated as a message, so they stay English.
        reasons = "; ".join(f"{s['label']}: {s['reason']}" for s in skipped[:3])
        raise Conflict("None of the %(count)s occurrences could be booked (%(reasons)s).", field="first_date",
                       count=occurrences, reasons=reasons)
    series.skipped = skipped
    pending = any(b.status == BookingStatus.pending for b in booked)
    values = {"asset": asset.name, "hub": asset.hub.name, "booked": len(booked), "total": occurrences,
              "start": When(booked[0].start_at, zone)}
    if pending and skipped:
        template = msg("Recurring booking of %(asset)s at %(hub)s: %(booked)s of %(total)s occurrences requested "
                       "(waiting for approval), from %(start)s; %(skipped)s could not be booked (see the series "
                       "page).")
    elif pending:
        template = msg("Recurring booking of %(asset)s at %(hub)s: %(booked)s of %(total)s occurrences requested "
                       "(waiting for approval), from %(start)s.")
    elif skipped:
        template = msg("Recurring booking of %(asset)s at %(hub)s: %(booked)s of %(total)s occurrences booked, "
                       "from %(start)s; %(skipped)s could not be booked (see the series page).")
    else:
        template = msg("Recurring booking of %(asset)s at %(hub)s: %(booked)s of %(total)s occurrences booked, "
                       "from %(start)s.")
    if skipped:
        values["skipped"] = len(skipped)
    notify(session, member.id, "booking_confirmed", template, now, booked[0].id, **values)
    session.flush()
    return SeriesResult(series, booked, skipped)


def _skipped(occurrence: Occurrence, template: str, params: dict) -> dict:
    """A skipped occurrence as stored on the series: `reason` in English (the API's), and the same as a
    template with its values (`reason_template`, `reason_params`: fleet/core/messages.py) to show it translated."""
    return {"label": occurrence.local_label,
            "start": occurrence.start.isoformat() if occurrence.start else None,
            "end": occurrence.end.isoformat() if occurrence.end else None,
            "reason": english(template, params), "reason_template": template, "reason_params": to_json(params)}


def get_series(session: Session, actor: Member, series_id: int) -> BookingSeries:
    series = session.get(BookingSeries, series_id, options=[joinedload(BookingSeries.asset).joinedload(Asset.hub)])
    if series is None or (series.member_id != actor.id
                          and not actor.coordinates_pool(series.asset.category.pool_id)):
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


def series_description(series: BookingSeries) -> tuple[str, dict]:
    """How a series repeats, as a template and its values (fleet/core/messages.py): show it with the delivery
    layer's message translation. The first date is a calendar date, not an instant, so it is a plain value
    written like the occurrences' labels."""
    end = (datetime.combine(series.first_date, series.start_time) + timedelta(minutes=series.duration_minutes)).time()
    values = {"first_date": f"{series.first_date:%a %d %b %Y}", "start": f"{series.start_time:%H:%M}",
              "end": f"{end:%H:%M}", "zone": series.timezone, "count": series.occurrences}
    if series.interval_days == 7:
        return msg("every week from %(first_date)s, %(start)s-%(end)s (%(zone)s), %(count)s times"), values
    return (msg("every %(days)s days from %(first_date)s, %(start)s-%(end)s (%(zone)s), %(count)s times"),
            {**values, "days": series.interval_days})


def describe_series(series: BookingSeries) -> str:
    """How a series repeats, in English."""
    return english(*series_description(series))


__all__ = ["create_series", "cancel_series", "get_series", "list_series", "series_bookings", "plan_occurrences",
           "duration_between", "describe_series", "series_description", "SeriesResult"]
