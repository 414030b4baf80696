"""The one bridge between the pool's database and the optimiser in `scheduling/`.

`snapshot_problem` turns rows into a `scheduling.Problem` (a request's candidates are the assets of its category
and of the partner pools' categories of the same name its member borrows through a lending agreement; every
holding booking is a fixed booking, every maintenance window and the time a member-owned item's owner does not offer it a blackout, each hub's opening hours the asset's `open` periods). `apply_assignment` books one of the solver's answers, re-checking it against
the database as it is *now*: the solver saw a snapshot, and a direct booking made while it ran wins.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, true
from sqlalchemy.orm import Session, joinedload

import scheduling
from scheduling.fleet_plan import plan
from fleet.booking.availability import overlapping_bookings, overlapping_maintenance
from fleet.booking.owned_items import is_available, owned_item_for, owner_blackouts
from fleet.core.capabilities import capability_matches, type_matches
from fleet.booking.bookings import check_booking_rules, insert_holding_booking, move_holding_booking
from fleet.booking.eligibility import LimitReached, NotQualified, check_may_hold
from fleet.booking.lending_agreements import stand_in_categories
from fleet.core.errors import DomainError
from fleet.core.geo import distance_km
from fleet.core.opening_hours import open_intervals, parse_opening_hours
from fleet.models.queries import bookable_asset, holding_during
from fleet.models import (
    Asset, AssetStatus, Booking, BookingStatus, Category, FlexibleRequest, Hub, MaintenanceWindow,
    RequestStatus,
)

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
EPOCH = datetime(2000, 1, 3, tzinfo=timezone.utc)  # a Monday at midnight: the slot grid's origin


def slot_ceil(instant: datetime) -> datetime:
    steps = -((EPOCH - instant) // SLOT)
    return EPOCH + steps * SLOT


def slot_floor(instant: datetime) -> datetime:
    return EPOCH + ((instant - EPOCH) // SLOT) * SLOT


@dataclass
class Snapshot:
    problem: scheduling.Problem
    requests: dict[str, FlexibleRequest]
    assets: dict[str, Asset]


def bookable_assets(session: Session, category_ids: set[int]) -> list[Asset]:
    return list(session.scalars(
        select(Asset).join(Asset.category).join(Asset.hub)
        .where(Asset.category_id.in_(category_ids), bookable_asset())
        .options(joinedload(Asset.hub), joinedload(Asset.category)).order_by(Asset.id)))


def serving_categories(session: Session, request: FlexibleRequest) -> set[int]:
    """The categories whose assets may serve a request: its own, and the partner pools' categories of the same name
    its member borrows through lending agreements (fleet.booking.lending_agreements.stand_in_categories)."""
    return {request.category_id} | stand_in_categories(session, request.member, request.category)


def _category_keys(groups: list[set[int]]) -> dict[int, str]:
    """One optimiser category per group of categories that serve the same requests (a category and its stand-ins
    in partner pools), joined where groups share a category. The solver matches an asset to a request of the same
    category; where a joined group lets a request reach an asset its member may not book (a rare mix of pools in
    one run), the write path's check refuses the booking and the request waits, as for any refusal."""
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent.setdefault(c, c) != c:
            c = parent[c]
        return c

    for group in groups:
        first, *rest = sorted(group)
        root(first)
        for other in rest:
            parent[root(other)] = root(first)
    return {c: str(root(c)) for c in list(parent)}


def effective_window(request: FlexibleRequest, now: datetime) -> tuple[datetime, datetime]:
    """The part of a request's window that can still be booked: not before now plus the category's notice,
    on the slot grid."""
    notice = timedelta(minutes=request.category.min_notice_minutes)
    return slot_ceil(max(request.earliest_start, now + notice)), slot_floor(request.latest_end)


def snapshot_problem(session: Session, requests: list[FlexibleRequest], now: datetime,
                     priorities: dict[int, int] | None = None, exclude_assets: set[int] = frozenset(),
                     ignore_bookings: set[int] = frozenset(),
                     not_before: dict[int, datetime] | None = None) -> Snapshot:
    """A problem with these requests over the assets of their categories, as the database is now.
    `not_before` moves the start of some requests' windows later (request id -> instant)."""
    windows = {r.id: effective_window(r, now) for r in requests}
    for request_id, instant in (not_before or {}).items():
        if request_id in windows:
            windows[request_id] = (max(windows[request_id][0], slot_ceil(instant)), windows[request_id][1])
    live = [r for r in requests if windows[r.id][1] - windows[r.id][0] >= timedelta(minutes=r.duration_minutes)]
    by_member_and_category: dict[tuple[int, int], set[int]] = {}
    for r in requests:  # one look-up per member and category, not per request
        if (r.member_id, r.category_id) not in by_member_and_category:
            by_member_and_category[r.member_id, r.category_id] = serving_categories(session, r)
    serving = list(by_member_and_category.values())
    keys = _category_keys(serving)
    category_ids = set().union(*serving) if serving else set()
    assets = [a for a in bookable_assets(session, category_ids) if a.id not in exclude_assets] if category_ids else []
    if live:
        start = min(windows[r.id][0] for r in live)
        end = max(windows[r.id][1] for r in live)
    else:
        start = slot_ceil(now)
        end = start + SLOT
    asset_ids = [a.id for a in assets]
    bookings = list(session.scalars(select(Booking).where(
        Booking.asset_id.in_(asset_ids), holding_during(start, end)))) if asset_ids else []
    windows_by_asset: dict[int, list[scheduling.Interval]] = {}
    for m in (session.scalars(select(MaintenanceWindow).where(
            MaintenanceWindow.asset_id.in_(asset_ids), MaintenanceWindow.start_at < end,
            MaintenanceWindow.end_at > start)) if asset_ids else []):
        windows_by_asset.setdefault(m.asset_id, []).append(scheduling.Interval(m.start_at, m.end_at))
    # a member's own item: the time its owner does not offer (or uses) is a blackout like maintenance
    for asset_id, blocked in owner_blackouts(session, asset_ids, start, end).items():
        windows_by_asset.setdefault(asset_id, []).extend(scheduling.Interval(s, e) for s, e in blocked)
    hubs = {a.hub_id: a.hub for a in assets}
    open_by_hub = {hub_id: _open(hub, start, end) for hub_id, hub in hubs.items()}
    problem = scheduling.Problem(
        horizon=scheduling.Interval(start, end),
        slot_minutes=SLOT_MINUTES,
        hubs=tuple(scheduling.Hub(str(h.id), h.lat, h.lon) for h in hubs.values()),
        assets=tuple(scheduling.Asset(str(a.id), keys[a.category_id], str(a.hub_id), dict(a.capabilities or {}),
                                      tuple(windows_by_asset.get(a.id, ())), open=open_by_hub[a.hub_id],
                                      type=a.asset_type or None)
                     for a in assets),
        bookings=tuple(scheduling.FixedBooking(str(b.id), str(b.asset_id), b.start_at, b.end_at)
                       for b in bookings if b.id not in ignore_bookings),
        requests=tuple(scheduling.Request(
            id=str(r.id), member=str(r.member_id), category=keys[r.category_id],
            earliest_start=windows[r.id][0], latest_end=windows[r.id][1], duration_minutes=r.duration_minutes,
            requires=dict(r.requires or {}),
            location=scheduling.Location(r.lat, r.lon) if r.lat is not None and r.lon is not None else None,
            max_distance_km=r.max_distance_km, priority=(priorities or {}).get(r.id, 1), created_at=r.created_at,
            types=tuple(r.asset_types or ()),
        ) for r in live),
    )
    return Snapshot(problem, {str(r.id): r for r in live}, {str(a.id): a for a in assets})


def _open(hub: Hub, start: datetime, end: datetime) -> tuple[scheduling.Interval, ...] | None:
    """The hub's opening periods over the horizon: pick-up and return must both fall inside one."""
    periods = open_intervals(parse_opening_hours(hub.opening_hours), hub.timezone, start, end)
    return None if periods is None else tuple(scheduling.Interval(o, c) for o, c in periods)


def solve(snapshot: Snapshot, time_limit: float, method: str = "cpsat", workers: int = 2) -> scheduling.Solution:
    return scheduling.solve(snapshot.problem, time_limit=time_limit, workers=workers, method=method)


def statically_eligible(request: FlexibleRequest, asset: Asset, categories: set[int] | None = None) -> bool:
    """Category (the request's, or one of `categories`: see `serving_categories`), type, capabilities and distance:
    what can never change by waiting."""
    if asset.category_id not in (categories or {request.category_id}) \
            or not type_matches(request.asset_types, asset.asset_type):
        return False
    if not all(capability_matches((asset.capabilities or {}).get(k), v) for k, v in (request.requires or {}).items()):
        return False
    if request.max_distance_km is not None and request.lat is not None:
        return distance_km((request.lat, request.lon), (asset.hub.lat, asset.hub.lon)) <= request.max_distance_km
    return True


def candidate_starts(request: FlexibleRequest, preferred: datetime, now: datetime) -> list[datetime]:
    """Starts on the grid inside the request's window, nearest to the solver's choice first."""
    first, last_end = effective_window(request, now)
    duration = timedelta(minutes=request.duration_minutes)
    starts, cursor = [], first
    while cursor + duration <= last_end:
        starts.append(cursor)
        cursor += SLOT
    return sorted(starts, key=lambda s: (abs((s - preferred).total_seconds()), s))


def book_for_request(session: Session, request: FlexibleRequest, asset: Asset, preferred_start: datetime,
                     now: datetime, booking: Booking | None = None) -> Booking | None:
    """Book (or move `booking` to) `asset` for the request at the solver's start, or at the nearest start
    in the window that passes every booking rule (opening hours, which the solver does not model) and the
    member's fair-use limits, and is free in the database now. None when nothing fits; when the member's
    limits or qualifications stood in the way, the request's waitlist reason says which."""
    duration = timedelta(minutes=request.duration_minutes)
    item = owned_item_for(session, asset.id)
    for start in candidate_starts(request, preferred_start, now):
        end = start + duration
        try:
            check_booking_rules(asset, start, end, now)
        except DomainError:
            continue
        if item is not None and not is_available(item, start, end):
            continue
        try:
            check_may_hold(session, request.member_id, asset, start, end,
                           exclude_booking_id=booking.id if booking else None)
        except (LimitReached, NotQualified) as exc:
            note_refusal(request, exc)
            continue
        if overlapping_maintenance(session, asset.id, start, end):
            continue
        if overlapping_bookings(session, asset.id, start, end, exclude_id=booking.id if booking else None):
            continue
        return place(session, request, asset, start, end, now, booking)
    return None


def place(session: Session, request: FlexibleRequest | None, asset: Asset, start: datetime, end: datetime,
          now: datetime, booking: Booking | None, member_id: int | None = None) -> Booking | None:
    """Insert a new holding booking, or move an existing one, inside a savepoint; None on a conflict."""
    try:
        if booking is None:
            return insert_holding_booking(session, asset, member_id or request.member_id, start, end, now,
                                          request.note if request is not None else "")
        move_holding_booking(session, booking, asset, start, end)
    except (LimitReached, NotQualified) as exc:
        note_refusal(request, exc)
        if booking is not None:
            session.expire(booking)
        return None
    except DomainError:
        if booking is not None:
            session.expire(booking)
        return None
    return booking


def note_refusal(request: FlexibleRequest | None, refusal: DomainError) -> None:
    """A waiting request that the member's limits or qualifications kept from an asset says which, in English
    (the values are part of the reason)."""
    if request is not None and request.status == RequestStatus.waitlisted:
        request.waitlist_reason = refusal.message[:300]


METHODS = scheduling.METHODS


def solution_json(solution: scheduling.Solution) -> str:
    """The scheduler's own solution JSON (scheduling/README.md): stored with a run, readable by `python -m scheduling`."""
    return json.dumps(scheduling.solution_to_dict(solution))


def parse_solution(text: str) -> scheduling.Solution:
    return scheduling.solution_from_dict(json.loads(text))


# --- fleet planning: recorded demand over a past period -------------------------------------------------------

PLANNED_BOOKING_STATUSES = (BookingStatus.pending, BookingStatus.confirmed, BookingStatus.checked_out,
                            BookingStatus.completed, BookingStatus.no_show)


def planning_problem(session: Session, start: datetime, end: datetime, pool_id: int | None = None) -> scheduling.Problem:
    """The demand recorded over [start, end) as an instance for `python -m scheduling plan`.

    Assets: every asset not retired, of categories and hubs not retired (maintenance windows as blackouts,
    the hub's opening hours as `open`). Bookings that held or used an asset are fixed bookings on it;
    rejected bookings, and bookings of assets left out, are fixed-time requests pinned to the hub
    (location = the hub, max_distance_km 0) requiring the booked asset's type and capabilities; waitlisted and
    expired flexible requests are requests with their window. Bookings that overlap the period count whole
    (the horizon grows to hold them); request windows are clipped to the period; all is rounded inward to
    the slot grid, and what no longer fits its duration is left out. Ids are database ids as text. With
    `pool_id`, only that pool's fleet and demand.
    """
    in_pool = Category.pool_id == pool_id if pool_id is not None else true()
    start, end = slot_ceil(start), slot_floor(end)
    assets = list(session.scalars(
        select(Asset).join(Asset.category).join(Asset.hub)
        .where(Asset.status != AssetStatus.retired, Category.retired.is_(False), Hub.retired.is_(False), in_pool)
        .options(joinedload(Asset.hub), joinedload(Asset.category)).order_by(Asset.id)))
    asset_ids = {a.id for a in assets}
    hubs = {h.id: h for h in session.scalars(select(Hub).where(
        Hub.retired.is_(False), Hub.pool_id == pool_id if pool_id is not None else true()).order_by(Hub.id))}
    fixed, requests = [], []
    horizon_start, horizon_end = start, max(end, start + SLOT)
    bookings = session.scalars(
        select(Booking).join(Booking.asset).join(Asset.category)
        .where(Booking.start_at < end, Booking.end_at > start, in_pool,
               Booking.status.in_(PLANNED_BOOKING_STATUSES + (BookingStatus.rejected,)))
        .options(joinedload(Booking.asset).joinedload(Asset.hub), joinedload(Booking.asset)
                 .joinedload(Asset.category)).order_by(Booking.start_at, Booking.id))
    for b in bookings:
        # whole bookings, not clipped: a loan cut at the period's edge would start or end while the hub is
        # closed, and the planner could not place it again
        s, e = slot_ceil(b.start_at), slot_floor(b.end_at)
        if e <= s:
            continue
        horizon_start, horizon_end = min(horizon_start, s), max(horizon_end, e)
        if b.status != BookingStatus.rejected and b.asset_id in asset_ids:
            fixed.append(scheduling.FixedBooking(str(b.id), str(b.asset_id), s, e))
            continue
        hub = b.asset.hub
        hubs.setdefault(hub.id, hub)
        requests.append(scheduling.Request(
            id=f"rejected:{b.id}" if b.status == BookingStatus.rejected else f"booking:{b.id}",
            member=str(b.member_id), category=str(b.asset.category_id), requires=dict(b.asset.capabilities or {}),
            types=(b.asset.asset_type,) if b.asset.asset_type else (), earliest_start=s, latest_end=e,
            duration_minutes=int((e - s).total_seconds() // 60), location=scheduling.Location(hub.lat, hub.lon),
            max_distance_km=0.0, created_at=b.created_at))
    for r in session.scalars(select(FlexibleRequest).join(FlexibleRequest.category).where(
            in_pool, FlexibleRequest.status.in_([RequestStatus.waitlisted, RequestStatus.expired]),
            FlexibleRequest.earliest_start < end, FlexibleRequest.latest_end > start).order_by(FlexibleRequest.id)):
        s, e = slot_ceil(max(r.earliest_start, start)), slot_floor(min(r.latest_end, end))
        if e - s < timedelta(minutes=r.duration_minutes):
            continue
        requests.append(scheduling.Request(
            id=str(r.id), member=str(r.member_id), category=str(r.category_id), earliest_start=s, latest_end=e,
            duration_minutes=r.duration_minutes, requires=dict(r.requires or {}), types=tuple(r.asset_types or ()),
            location=scheduling.Location(r.lat, r.lon) if r.lat is not None and r.lon is not None else None,
            max_distance_km=r.max_distance_km if r.lat is not None and r.lon is not None else None,
            created_at=r.created_at))
    blackouts: dict[int, list[scheduling.Interval]] = {}
    for m in session.scalars(select(MaintenanceWindow).where(MaintenanceWindow.start_at < horizon_end,
                                                             MaintenanceWindow.end_at > horizon_start)):
        if m.asset_id in asset_ids:
            blackouts.setdefault(m.asset_id, []).append(scheduling.Interval(max(m.start_at, horizon_start),
                                                                            min(m.end_at, horizon_end)))
    categories = {str(a.category_id) for a in assets}
    requests = [r for r in requests if r.category in categories]  # demand for a retired category has no fleet
    open_by_hub = {hub_id: _open(hub, horizon_start, horizon_end) for hub_id, hub in hubs.items()}
    return scheduling.Problem(
        horizon=scheduling.Interval(horizon_start, horizon_end),
        slot_minutes=SLOT_MINUTES,
        hubs=tuple(scheduling.Hub(str(h.id), h.lat, h.lon) for h in hubs.values()),
        assets=tuple(scheduling.Asset(str(a.id), str(a.category_id), str(a.hub_id), dict(a.capabilities or {}),
                                      tuple(blackouts.get(a.id, ())), open=open_by_hub[a.hub_id],
                                      type=a.asset_type or None) for a in assets),
        bookings=tuple(fixed), requests=tuple(requests))


def plan_fleet(problem: scheduling.Problem, time_limit: float, workers: int = 2) -> dict:
    """`python -m scheduling plan` on an instance: the planning report as a JSON-ready dict."""
    return plan(problem, time_limit=time_limit, workers=workers)


def problem_json(problem: scheduling.Problem) -> str:
    """The instance as the scheduler's JSON (scheduling/README.md), for download and `python -m scheduling`."""
    return scheduling.dumps_problem(problem)
