"""Scheduled booking work: release no-shows, remind members before a start, flag overdue returns.

Each function takes the session and `now`, is safe to run again (it does nothing twice) and only flushes;
the CLI command or job that calls it commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from fleet.booking.bookings import booking_values
from fleet.booking.charges import post_no_show_fee
from fleet.booking.handover import flag_bookings_after
from fleet.core import signals
from fleet.core.messages import When
from fleet.models import Asset, Booking, BookingStatus, Category, Member, Notification
from fleet.members.notifications import notify, notify_coordinators

# A booking that ended longer ago than this is left alone: its history predates the job, not a no-show.
NO_SHOW_LOOKBACK = timedelta(days=1)
REMINDER_LEAD = timedelta(hours=24)
# An overdue asset flags the next booking when that one starts within this time (or already has).
OVERDUE_LOOKAHEAD = timedelta(hours=2)
NO_SHOW_WINDOW_DAYS = 90


def release_no_shows(session: Session, now: datetime) -> list[Booking]:
    """Confirmed bookings not checked out within their category's grace period become no-shows: the rest
    of their slot is freed and the waitlist promoted; the tariff's no-show fee is charged."""
    candidates = session.scalars(
        select(Booking).join(Asset, Asset.id == Booking.asset_id).join(Category, Category.id == Asset.category_id)
        .where(Booking.status == BookingStatus.confirmed, Category.no_show_grace_minutes.is_not(None),
               Booking.start_at <= now, Booking.end_at > now - NO_SHOW_LOOKBACK)
        .options(joinedload(Booking.asset).joinedload(Asset.category), joinedload(Booking.asset).joinedload(Asset.hub))
        .order_by(Booking.start_at, Booking.id))
    released = []
    for booking in candidates:
        grace = timedelta(minutes=booking.asset.category.no_show_grace_minutes)
        if booking.start_at + grace > now:
            continue
        booking.release_as_no_show(now)
        notify(session, booking.member_id, "no_show",
               "Your booking was released because it was not picked up within %(minutes)s minutes of its start: "
               "%(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               minutes=booking.asset.category.no_show_grace_minutes, **booking_values(booking, booking.asset))
        session.flush()
        post_no_show_fee(session, booking, now)
        signals.booking_freed.send(session, booking=booking, now=now)
        released.append(booking)
    session.flush()
    return released


def _already(kind: str, booking_col=Booking.id):
    return exists().where(Notification.booking_id == booking_col, Notification.kind == kind)


def send_reminders(session: Session, now: datetime, lead: timedelta = REMINDER_LEAD) -> list[Booking]:
    """One reminder per confirmed booking starting within `lead`."""
    due = list(session.scalars(
        select(Booking).where(Booking.status == BookingStatus.confirmed, Booking.start_at > now,
                              Booking.start_at <= now + lead, ~_already("booking_reminder"))
        .options(joinedload(Booking.asset).joinedload(Asset.hub)).order_by(Booking.start_at)))
    for booking in due:
        notify(session, booking.member_id, "booking_reminder",
               "Reminder: %(asset)s at %(hub)s, %(start)s to %(end)s.", now, booking.id,
               **booking_values(booking, booking.asset))
    session.flush()
    return due


def flag_overdue_returns(session: Session, now: datetime) -> list[Booking]:
    """Checked-out bookings past their end: the member is told once, the coordinators too, and the next
    booking of the asset (starting soon or already started) is flagged for its member and the coordinators."""
    overdue = list(session.scalars(
        select(Booking).where(Booking.status == BookingStatus.checked_out, Booking.end_at <= now)
        .options(joinedload(Booking.asset).joinedload(Asset.hub), joinedload(Booking.member))
        .order_by(Booking.end_at)))
    for booking in overdue:
        due = When(booking.end_at, booking.asset.hub.timezone)
        if not session.scalar(select(_already("overdue_return", booking.id))):
            notify(session, booking.member_id, "overdue_return",
                   "Please return %(asset)s: it was due back at %(due)s.", now, booking.id,
                   asset=booking.asset.name, due=due)
            notify_coordinators(session, "overdue_return",
                                "%(asset)s is overdue from %(member)s: due back at %(due)s.", now, booking.id,
                                asset=booking.asset.name, member=booking.member.name, due=due)
        flag_bookings_after(session, booking, now, until=now + OVERDUE_LOOKAHEAD)
    session.flush()
    return overdue


def no_show_counts(session: Session, now: datetime, days: int = NO_SHOW_WINDOW_DAYS,
                   member_ids: list[int] | None = None) -> dict[int, int]:
    """{member id: no-shows in the last `days` days}, for coordinators to spot repeats."""
    stmt = select(Booking.member_id, func.count()).where(
        Booking.status == BookingStatus.no_show, Booking.start_at >= now - timedelta(days=days)
    ).group_by(Booking.member_id)
    if member_ids is not None:
        stmt = stmt.where(Booking.member_id.in_(member_ids))
    return dict(session.execute(stmt).all())


def repeat_no_shows(session: Session, now: datetime, at_least: int = 2) -> list[tuple[Member, int]]:
    counts = {m: n for m, n in no_show_counts(session, now).items() if n >= at_least}
    members = session.scalars(select(Member).where(Member.id.in_(counts))) if counts else []
    return sorted(((m, counts[m.id]) for m in members), key=lambda pair: (-pair[1], pair[0].name))
