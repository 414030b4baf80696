"""Who may book what: the one rule, asked by the booking write path for every holding booking it creates or
moves, so that no path (direct, series, flexible request, making room, the batch optimiser, the API) skips it.

A member may hold a booking of a category when
- they may book in the category's pool (`may_book_in_pool`): they belong to it, or a pool they belong to borrows
  the category through an active lending agreement, whose limits then apply too and which may make the booking
  wait for the lender's coordinators;
- their account is approved, where the pool approves new accounts (coordinators need no approval);
- they hold every qualification the category requires, granted, not revoked, and valid through the last day of
  the booking (in the hub's zone);
- it keeps them within the category's fair-use limits: bookings held at the same time, and hours or bookings in
  each calendar week (Monday to Sunday in the hub's zone) the booking touches.

The limits count the member's other bookings of the category that hold an asset (pending, confirmed, checked
out); the weekly ones count completed bookings too. Two racing bookings by one member are serialised by a lock
on the member's row (PostgreSQL; on SQLite every write transaction is already serialised by BEGIN IMMEDIATE).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, Forbidden
from fleet.core.messages import msg
from fleet.booking.lending_agreements import borrowing_agreement
from fleet.members.account_approval import awaiting_approval
from fleet.models import (
    HOLDING_STATUSES, Asset, Booking, BookingStatus, Category, CategoryLimits,
    CategoryQualification, LendingAgreement, Member, Partner, PartnerStatus, Pool, Qualification, QualificationGrant,
)

WEEK_STATUSES = (*HOLDING_STATUSES, BookingStatus.completed)


class NotQualified(Forbidden):
    """The member lacks an approved account or a qualification the category requires."""


class NotInPool(NotQualified):
    """The category belongs to a pool the member is not in, and no active agreement lends it to theirs (a kind of
    NotQualified, so that every path that leaves a member out for their qualifications leaves them out for this)."""


class LimitReached(Conflict):
    """The booking would take the member past one of the category's fair-use limits."""


# --- the rules ----------------------------------------------------------------------------------------------

def limits_of(session: Session, category_id: int) -> CategoryLimits | None:
    limits = session.scalar(select(CategoryLimits).where(CategoryLimits.category_id == category_id))
    return limits if limits is not None and limits.any else None


def _rules_at_a_glance(session: Session, category_id: int) -> tuple[CategoryLimits | None, bool]:
    """The category's limits (None: no limits) and whether it requires any qualification, in one statement: the
    write path asks this for every booking, and most categories have neither."""
    row = session.execute(
        select(CategoryLimits,
               exists().where(CategoryQualification.category_id == category_id).label("needs_qualifications"))
        .select_from(Category).outerjoin(CategoryLimits, CategoryLimits.category_id == Category.id)
        .where(Category.id == category_id)).one_or_none()
    if row is None:
        return None, False
    limits = row[0] if row[0] is not None and row[0].any else None
    return limits, bool(row[1])


def required_qualifications(session: Session, category_id: int) -> list[Qualification]:
    return list(session.scalars(
        select(Qualification).join(CategoryQualification, CategoryQualification.qualification_id == Qualification.id)
        .where(CategoryQualification.category_id == category_id).order_by(Qualification.name)))


# --- the checks ----------------------------------------------------------------------------------------------

def may_book_in_pool(session: Session, member: Member, pool_id: int, category_id: int | None = None) -> bool:
    """Whether `member` may book in pool `pool_id`: they belong to it (the administrator belongs to every pool), or,
    for category `category_id`, a pool they belong to borrows it through an active lending agreement. The one place
    that says so."""
    if member.belongs_to_pool(pool_id):
        return True
    if category_id is not None and borrowing_agreement(session, member, category_id) is not None:
        return True
    return _partner_in_public_pool(session, member, pool_id)


def _partner_in_public_pool(session: Session, member: Member, pool_id: int) -> bool:
    """A partner installation's stand-in account books what this installation publishes: the public pools."""
    return session.scalar(select(Partner.id).join(Pool, Pool.id == pool_id).where(
        Partner.member_id == member.id, Partner.status == PartnerStatus.active, Pool.public.is_(True))) is not None


def lending_terms(session: Session, member: Member, category: Category) -> LendingAgreement | None:
    """The agreement whose limits and approval apply to `member` booking `category`: None for a member of the
    category's pool (only the pool's own rules apply)."""
    if member.belongs_to_pool(category.pool_id):
        return None
    return borrowing_agreement(session, member, category.id)


def needs_lender_approval(session: Session, member_id: int, category: Category) -> bool:
    """Whether a booking of the category by this member waits for the lender's coordinators: the member borrows it
    through an agreement that says so."""
    member = session.get(Member, member_id)
    agreement = lending_terms(session, member, category) if member is not None else None
    return agreement is not None and agreement.requires_approval


def check_account(session: Session, member: Member) -> None:
    if awaiting_approval(session, member):
        raise NotQualified(msg("Your account is waiting for a coordinator's approval. You can look around now and "
                           "book once it is approved."))


def check_qualifications(session: Session, member_id: int, category: Category, last_day: date) -> None:
    """Every qualification the category requires is held and valid on `last_day` (and so before it)."""
    required = required_qualifications(session, category.id)
    if not required:
        return
    grants = {g.qualification_id: g for g in session.scalars(select(QualificationGrant).where(
        QualificationGrant.member_id == member_id,
        QualificationGrant.qualification_id.in_([q.id for q in required])))}
    for qualification in required:
        grant = grants.get(qualification.id)
        if grant is not None and grant.valid_on(last_day):
            continue
        values = dict(category=category.name, qualification=qualification.name)
        how = (qualification.how_to_get or "").strip()
        if grant is not None and grant.revoked_at is None and grant.expires_on is not None:
            values["expires"] = grant.expires_on.isoformat()
            if how:
                raise NotQualified(msg("%(category)s needs the qualification %(qualification)s; yours is valid until "
                                   "%(expires)s, before the booking ends. %(how)s"), field="asset_id", how=how,
                                   **values)
            raise NotQualified(msg("%(category)s needs the qualification %(qualification)s; yours is valid until "
                               "%(expires)s, before the booking ends. Ask a coordinator to renew it."),
                               field="asset_id", **values)
        if how:
            raise NotQualified(msg("%(category)s needs the qualification %(qualification)s, which you do not hold. "
                               "%(how)s"), field="asset_id", how=how, **values)
        raise NotQualified(msg("%(category)s needs the qualification %(qualification)s, which you do not hold. Ask a "
                           "coordinator how to get it."), field="asset_id", **values)


def check_limits(session: Session, member_id: int, category: Category, zone: str, start: datetime, end: datetime,
                 exclude_booking_id: int | None = None, planned: Sequence[tuple[datetime, datetime]] = ()) -> None:
    """The booking [start, end) keeps the member within the category's fair-use limits. `planned` are bookings
    of the member in the category that a plan will make (the batch optimiser counts them before they exist)."""
    within_limits(session, limits_of(session, category.id), member_id, category, zone, start, end, exclude_booking_id,
                  planned)


def within_limits(session: Session, limits: CategoryLimits | LendingAgreement | None, member_id: int, category: Category, zone: str,
                  start: datetime, end: datetime, exclude_booking_id: int | None = None,
                  planned: Sequence[tuple[datetime, datetime]] = ()) -> None:
    """`check_limits` with the category's limits already read (None: no limits); a lending agreement's limits
    have the same shape and are counted the same way."""
    if limits is None:
        return
    if limits.max_at_once is not None:
        rows = _bookings_between(session, member_id, category.id, start, end, HOLDING_STATUSES, exclude_booking_id)
        held = _most_at_once(rows + _inside(planned, start, end), start, end)
        if held >= limits.max_at_once:
            raise LimitReached(msg("You already hold %(count)s booking(s) of %(category)s at that time; the limit "
                               "is %(limit)s at once."), field="start", count=held, category=category.name,
                               limit=limits.max_at_once)
    if limits.max_hours_per_week is None and limits.max_bookings_per_week is None:
        return
    for week_start, week_end in _weeks(start, end, zone):
        rows = _bookings_between(session, member_id, category.id, week_start, week_end, WEEK_STATUSES,
                                 exclude_booking_id) + _inside(planned, week_start, week_end)
        week = week_start.astimezone(ZoneInfo(zone)).date().isoformat()
        if limits.max_bookings_per_week is not None and len(rows) + 1 > limits.max_bookings_per_week:
            raise LimitReached(msg("You already have %(count)s booking(s) of %(category)s in the week of %(week)s; "
                               "the limit is %(limit)s per week."), field="start", count=len(rows),
                               category=category.name, week=week, limit=limits.max_bookings_per_week)
        if limits.max_hours_per_week is not None:
            used = sum(_hours_inside(s, e, week_start, week_end) for s, e in rows)
            hours = used + _hours_inside(start, end, week_start, week_end)
            if hours > limits.max_hours_per_week + 1e-9:
                raise LimitReached(msg("This booking would give you %(hours)s hours of %(category)s in the week of "
                                   "%(week)s; the limit is %(limit)s hours per week."), field="end",
                                   hours=_round(hours), category=category.name, week=week,
                                   limit=limits.max_hours_per_week)


def check_pool(session: Session, member: Member, category: Category) -> None:
    """Refuse a booking or a request in a pool the member may not book in, saying which pool it is."""
    if not may_book_in_pool(session, member, category.pool_id, category.id):
        raise NotInPool(msg("%(category)s belongs to the pool %(pool)s; you can book only in the pools you are a "
                            "member of and what their lending agreements cover."), field="asset_id",
                        category=category.name, pool=category.pool.name)


def check_may_hold(session: Session, member_id: int, asset: Asset, start: datetime, end: datetime,
                   exclude_booking_id: int | None = None, *, lock: bool = False) -> None:
    """The write path's question: may this member hold this asset for [start, end)? Raises NotQualified or
    LimitReached with the reason. With `lock` (a member booking for themselves), the member's row is locked first
    where limits apply, so that two bookings by one member racing each other are counted one after the other.
    Paths that book for someone else (a waitlist promotion, making room, applying a plan) do not lock: they would
    take other members' locks in no fixed order, behind the overlap constraint's, and deadlock with them."""
    category = asset.category
    limits, needs_qualifications = _rules_at_a_glance(session, category.id)
    member = session.get(Member, member_id)
    if member is None:
        raise NotQualified(msg("No such member."))
    check_account(session, member)
    check_pool(session, member, category)
    agreement = lending_terms(session, member, category)
    if agreement is not None and not agreement.any:
        agreement = None
    if lock and (limits is not None or agreement is not None):
        session.get(Member, member_id, with_for_update=True, populate_existing=True)
    if needs_qualifications:
        check_qualifications(session, member_id, category, last_local_day(end, asset.hub.timezone))
    within_limits(session, limits, member_id, category, asset.hub.timezone, start, end, exclude_booking_id)
    within_limits(session, agreement, member_id, category, asset.hub.timezone, start, end, exclude_booking_id)


def check_may_request(session: Session, member: Member, category: Category, first_day: date) -> None:
    """Before a flexible request is taken or solved: the pool (a member of it, or borrowing the category through an
    agreement), the account, and the qualifications valid on the window's first day. The limits depend on where
    the request is placed; the write path checks them then."""
    check_account(session, member)
    check_pool(session, member, category)
    check_qualifications(session, member.id, category, first_day)


def limit_refusal_for_window(session: Session, member_id: int, category: Category, zone: str, earliest: datetime,
                             latest: datetime, duration: timedelta, step: timedelta = timedelta(minutes=15),
                             most_tries: int = 200,
                             planned: Sequence[tuple[datetime, datetime]] = ()) -> LimitReached | None:
    """The limit that refuses every start of a `duration` inside [earliest, latest), or None when some start
    keeps the member within the limits (or the category has none). Starts `step` apart, at most `most_tries`
    of them, evenly spread."""
    limits = limits_of(session, category.id)
    if limits is None or latest - earliest < duration:
        return None
    span = latest - duration - earliest
    count = int(span / step) + 1
    stride = max(1, -(-count // most_tries))
    refusal = None
    for i in range(0, count, stride):
        start = earliest + i * step
        try:
            within_limits(session, limits, member_id, category, zone, start, start + duration, planned=planned)
        except LimitReached as exc:
            refusal = refusal or exc
            continue
        return None
    return refusal


# --- what a member holds -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeldQualification:
    qualification: Qualification
    grant: QualificationGrant
    valid: bool


def member_qualifications(session: Session, member_id: int, today: date) -> list[HeldQualification]:
    grants = session.scalars(select(QualificationGrant).join(QualificationGrant.qualification)
                             .where(QualificationGrant.member_id == member_id).order_by(Qualification.name))
    return [HeldQualification(g.qualification, g, g.valid_on(today)) for g in grants]


# --- helpers -------------------------------------------------------------------------------------------------

def last_local_day(end: datetime, zone: str) -> date:
    """The last day a booking ending at `end` (exclusive) uses, in the zone."""
    return (end - timedelta(microseconds=1)).astimezone(ZoneInfo(zone)).date()


def _bookings_between(session: Session, member_id: int, category_id: int, start: datetime, end: datetime,
                      statuses, exclude_booking_id: int | None) -> list[tuple[datetime, datetime]]:
    stmt = (select(Booking.start_at, Booking.end_at).join(Asset, Asset.id == Booking.asset_id)
            .where(Booking.member_id == member_id, Asset.category_id == category_id, Booking.status.in_(statuses),
                   Booking.start_at < end, Booking.end_at > start))
    if exclude_booking_id is not None:
        stmt = stmt.where(Booking.id != exclude_booking_id)
    return [(s, e) for s, e in session.execute(stmt).all()]


def _inside(intervals: Sequence[tuple[datetime, datetime]], start: datetime,
            end: datetime) -> list[tuple[datetime, datetime]]:
    return [(s, e) for s, e in intervals if s < end and e > start]


def _most_at_once(rows: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> int:
    """The most of these intervals (all overlapping [start, end)) that overlap one instant of [start, end)."""
    events = sorted([(max(s, start), 1) for s, _ in rows] + [(min(e, end), -1) for _, e in rows])
    most = current = 0
    for _, step in events:  # at a tie the end (-1) sorts first: back-to-back bookings do not overlap
        current += step
        most = max(most, current)
    return most


def _weeks(start: datetime, end: datetime, zone: str) -> list[tuple[datetime, datetime]]:
    """The calendar weeks (Monday 00:00 in the zone, as UTC instants) that [start, end) touches."""
    tz = ZoneInfo(zone)
    first = start.astimezone(tz).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while True:
        week_start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(timezone.utc)
        next_monday = monday + timedelta(days=7)
        week_end = datetime.combine(next_monday, time(0), tzinfo=tz).astimezone(timezone.utc)
        if week_start >= end:
            break
        weeks.append((week_start, week_end))
        monday = next_monday
    return weeks


def _hours_inside(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> float:
    return max((min(end, window_end) - max(start, window_start)).total_seconds(), 0) / 3600


def _round(hours: float) -> int | float:
    return int(hours) if abs(hours - round(hours)) < 1e-9 else round(hours, 1)
