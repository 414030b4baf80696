"""Flexible requests: a member says what, how long and within which window; the pool decides which asset
and when. The instant path solves only the affected subproblem (the same category, windows overlapping the
new request's) with a short time limit; what cannot be placed waits on the waitlist with its reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation import fair_use, making_room
from fleet.allocation import scheduling_adapter as adapter
from fleet.booking import eligibility
from fleet.booking.bookings import cancel_booking
from fleet.catalogue.asset_types import requested_types
from fleet.catalogue.capabilities import coerce_requirements
from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.allocation.fair_share import priorities
from fleet.core.geo import check_coordinates
from fleet.core.messages import When, msg
from fleet.core.text import multi_line
from fleet.models import Asset, BookingStatus, Category, FlexibleRequest, Member, RequestStatus
from fleet.members.notifications import notify as notify_member
from fleet.members.pools import coordinated_pool_ids

INSTANT_TIME_LIMIT = 2.0
MAX_WAITING = 30  # waitlisted requests considered with a newcomer when bookings may move
REASON_NOTHING_ELIGIBLE = msg("Nothing in range has what you asked for.")
REASON_ALL_BUSY = msg("Every asset that fits is busy in your window; you are on the waitlist.")


@dataclass
class RequestInput:
    category_id: int
    earliest_start: datetime
    latest_end: datetime
    duration_minutes: int
    requires: dict
    lat: float | None = None
    lon: float | None = None
    max_distance_km: float | None = None
    preferred_asset_id: int | None = None
    note: str = ""
    asset_types: list[str] | None = None  # any of these types of the category; None or empty: any type


def _validate(session: Session, member: Member, data: RequestInput, now: datetime) -> Category:
    category = session.get(Category, data.category_id) if data.category_id else None
    if category is None or category.retired:
        raise ValidationFailed("No such category.", field="category_id")
    if isinstance(data.duration_minutes, bool) or not isinstance(data.duration_minutes, int) or data.duration_minutes <= 0:
        raise ValidationFailed("The duration must be a positive number of minutes.", field="duration_minutes")
    if data.latest_end <= data.earliest_start:
        raise ValidationFailed("The window must end after it starts.", field="latest_end")
    if data.latest_end <= now:
        raise ValidationFailed("The window is in the past.", field="latest_end")
    if data.latest_end - data.earliest_start < timedelta(minutes=data.duration_minutes):
        raise ValidationFailed("The window is shorter than the duration.", field="duration_minutes")
    if data.duration_minutes < category.min_duration_minutes:
        raise ValidationFailed("%(category)s is lent for at least %(minutes)s minutes.", field="duration_minutes",
                               category=category.name, minutes=category.min_duration_minutes)
    if data.duration_minutes > category.max_duration_minutes:
        raise ValidationFailed("%(category)s is lent for at most %(minutes)s minutes.", field="duration_minutes",
                               category=category.name, minutes=category.max_duration_minutes)
    if data.earliest_start > now + timedelta(days=category.max_advance_days):
        raise ValidationFailed("%(category)s can be requested at most %(days)s days ahead.", field="earliest_start",
                               category=category.name, days=category.max_advance_days)
    if data.max_distance_km is not None and not (0 < data.max_distance_km <= 40000):
        raise ValidationFailed("The distance must be more than 0 km.", field="max_distance_km")
    if data.lat is not None or data.lon is not None:
        check_coordinates(data.lat, data.lon)
    if data.preferred_asset_id is not None:
        preferred = session.get(Asset, data.preferred_asset_id)
        if preferred is None or preferred.category_id != category.id:
            raise ValidationFailed("The preferred asset is not one of this category.", field="preferred_asset_id")
    return category


def submit_request(session: Session, member: Member, data: RequestInput, now: datetime,
                   time_limit: float = INSTANT_TIME_LIMIT, make_room: bool = True) -> FlexibleRequest:
    """Record the request and try to place it at once; returns it assigned or waitlisted (with a reason).
    When every fitting asset is busy, `make_room` lets not-yet-started flexible bookings move inside their
    own windows (fleet/allocation/making_room.py)."""
    if not member.active:
        raise Forbidden("Your account is deactivated.")
    note = multi_line(data.note, "note")
    category = _validate(session, member, data, now)
    eligibility.check_may_request(session, member, category, data.earliest_start.date())
    expire_requests(session, now)
    requires = coerce_requirements(category.capability_schema or {}, data.requires or {})
    types = requested_types(session, category, data.asset_types)
    lat, lon = data.lat, data.lon
    if lat is None and member.home is not None:
        lat, lon = member.home
    if data.max_distance_km is not None and lat is None:
        raise ValidationFailed("A maximum distance needs a location: set your home or give one.", field="lat")
    request = FlexibleRequest(member_id=member.id, category_id=category.id, requires=requires,
                              asset_types=types or None,
                              earliest_start=data.earliest_start, latest_end=data.latest_end,
                              duration_minutes=data.duration_minutes, lat=lat, lon=lon,
                              max_distance_km=data.max_distance_km, preferred_asset_id=data.preferred_asset_id,
                              status=RequestStatus.waitlisted, note=note[:2000],
                              created_at=now, updated_at=now)
    session.add(request)
    session.flush()
    serving = adapter.serving_categories(session, request)  # its category, and partner pools' lent to the member
    eligible = [a for a in adapter.bookable_assets(session, serving) if adapter.statically_eligible(request, a, serving)]
    if not eligible:
        request.waitlist_reason = REASON_NOTHING_ELIGIBLE
        session.flush()
        return request
    start, end = adapter.effective_window(request, now)
    refusal = eligibility.limit_refusal_for_window(session, member.id, category, eligible[0].hub.timezone, start, end,
                                                   timedelta(minutes=request.duration_minutes))
    if refusal is not None:  # the member's own bookings fill their limit over the whole window
        adapter.note_refusal(request, refusal)
        session.flush()
        return request
    if request.preferred_asset_id is not None:
        preferred = next((a for a in eligible if a.id == request.preferred_asset_id), None)
        if preferred is not None:
            booking = adapter.book_for_request(session, request, preferred, adapter.effective_window(request, now)[0], now)
            if booking is not None:
                request.assign(booking, now)
                session.flush()
                return request
    assign_waitlisted(session, category.id, request.earliest_start, request.latest_end, now, time_limit,
                      must_include=request)
    if request.status == RequestStatus.waitlisted and make_room:
        _make_room(session, request, now, time_limit)
    if request.status == RequestStatus.waitlisted and not request.waitlist_reason:
        request.waitlist_reason = REASON_ALL_BUSY  # unless the member's own limits said why
    session.flush()
    return request


def _make_room(session: Session, request: FlexibleRequest, now: datetime, time_limit: float) -> None:
    """Re-place movable flexible bookings for the newcomer and the waitlisted requests before it whose windows
    overlap (they were first; the solver's fair-share priorities decide between them)."""
    waiting = [r for r in waitlisted_overlapping(session, request.category_id, request.earliest_start,
                                                 request.latest_end, now) if r is not request][:MAX_WAITING - 1]
    waiting.append(request)
    booked = making_room.make_room(session, waiting, now, time_limit, priorities(session, waiting, now))
    for r in waiting:
        booking = booked.get(r.id)
        if booking is None:
            continue
        r.assign(booking, now)
        if r is not request:
            notify_member(session, r.member_id, "waitlist_promoted",
                          msg("Good news: your request got %(asset)s from %(start)s."), now, booking.id,
                          request_id=r.id, asset=booking.asset.name,
                          start=When(booking.start_at, booking.asset.hub.timezone))
    session.flush()


def waitlisted_overlapping(session: Session, category_id: int, start: datetime, end: datetime,
                           now: datetime) -> list[FlexibleRequest]:
    return list(session.scalars(
        select(FlexibleRequest).where(
            FlexibleRequest.category_id == category_id, FlexibleRequest.status == RequestStatus.waitlisted,
            FlexibleRequest.earliest_start < end, FlexibleRequest.latest_end > start,
            FlexibleRequest.latest_end > now)
        .options(joinedload(FlexibleRequest.category)).order_by(FlexibleRequest.created_at, FlexibleRequest.id)))


def assign_waitlisted(session: Session, category_id: int, start: datetime, end: datetime, now: datetime,
                      time_limit: float, must_include: FlexibleRequest | None = None,
                      notify: bool = True) -> list[FlexibleRequest]:
    """Solve the waitlisted requests of one category whose windows overlap [start, end) and book what
    fits. Returns the requests that got a booking (members other than `must_include`'s are notified)."""
    requests = waitlisted_overlapping(session, category_id, start, end, now)
    if must_include is not None and must_include not in requests:
        requests.append(must_include)
    if not requests:
        return []
    snapshot = adapter.snapshot_problem(session, requests, now, priorities(session, requests, now))
    if not snapshot.problem.requests or not snapshot.problem.assets:
        return []
    solution = fair_use.solve_within_limits(session, snapshot, time_limit, "cpsat")
    placed = []
    for assignment in sorted(solution.assignments, key=lambda a: a.start):
        request = snapshot.requests[assignment.request]
        booking = adapter.book_for_request(session, request, snapshot.assets[assignment.asset], assignment.start, now)
        if booking is None:
            continue
        request.assign(booking, now)
        placed.append(request)
        if notify and request is not must_include:
            notify_member(session, request.member_id, "waitlist_promoted",
                          msg("Good news: your request got %(asset)s from %(start)s."), now, booking.id,
                          request_id=request.id, asset=booking.asset.name,
                          start=When(booking.start_at, booking.asset.hub.timezone))
    session.flush()
    return placed


def expire_requests(session: Session, now: datetime) -> int:
    """Waitlisted requests whose window has passed become expired (and count as unmet demand)."""
    stale = list(session.scalars(select(FlexibleRequest).where(
        FlexibleRequest.status == RequestStatus.waitlisted, FlexibleRequest.latest_end <= now)))
    for request in stale:
        request.expire(now)
    session.flush()
    return len(stale)


def queue_position(session: Session, request: FlexibleRequest) -> int | None:
    """1 + the waitlisted requests of the same category with overlapping windows that came earlier."""
    if request.status != RequestStatus.waitlisted:
        return None
    ahead = session.scalar(select(func.count()).select_from(FlexibleRequest).where(
        FlexibleRequest.category_id == request.category_id, FlexibleRequest.status == RequestStatus.waitlisted,
        FlexibleRequest.earliest_start < request.latest_end, FlexibleRequest.latest_end > request.earliest_start,
        (FlexibleRequest.created_at < request.created_at)
        | ((FlexibleRequest.created_at == request.created_at) & (FlexibleRequest.id < request.id))))
    return ahead + 1


def get_request(session: Session, actor: Member, request_id: int) -> FlexibleRequest:
    request = session.get(FlexibleRequest, request_id)
    if request is None or (request.member_id != actor.id
                           and not actor.coordinates_pool(request.category.pool_id)):
        raise NotFound("No such request.")
    return request


def list_requests(session: Session, actor: Member, page: int = 1, per_page: int = 20,
                  member_id: int | None = None) -> tuple[list[FlexibleRequest], int]:
    if member_id is not None and member_id != actor.id and not actor.is_coordinator:
        raise Forbidden("You can list only your own requests.")
    stmt = select(FlexibleRequest)
    if not actor.is_coordinator or member_id is not None:
        stmt = stmt.where(FlexibleRequest.member_id == (member_id or actor.id))
    if actor.is_coordinator and not actor.is_admin:  # their own, and their pools'
        stmt = stmt.where((FlexibleRequest.member_id == actor.id) | FlexibleRequest.category_id.in_(
            select(Category.id).where(Category.pool_id.in_(coordinated_pool_ids(session, actor)))))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(FlexibleRequest.created_at.desc(), FlexibleRequest.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def cancel_request(session: Session, actor: Member, request_id: int, now: datetime) -> FlexibleRequest:
    """Withdraw a request; an assigned one cancels its booking too (which frees the slot for others)."""
    request = get_request(session, actor, request_id)
    if request.status in (RequestStatus.cancelled, RequestStatus.expired):
        request.cancel(now)  # refuses: it is already cancelled or expired
    if request.status == RequestStatus.assigned and request.booking is not None \
            and request.booking.status in (BookingStatus.pending, BookingStatus.confirmed):
        cancel_booking(session, actor, request.booking_id, now)
    if request.status != RequestStatus.cancelled:  # cancelling its booking may have closed it already
        request.cancel(now)
    session.flush()
    return request
