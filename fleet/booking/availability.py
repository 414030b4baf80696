"""Which assets are free when: date-range-first search, busy intervals, overlap checks.

Overlap of half-open intervals [s1, e1) and [s2, e2) is `s1 < e2 and s2 < e1`: back-to-back is free.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from fleet.core.capabilities import capabilities_hold, type_matches
from fleet.core.errors import ValidationFailed
from fleet.core.geo import nearest_first
from fleet.core.messages import msg
from fleet.models import (
    Asset, Booking, Category, Hub, MaintenanceWindow,
)
from fleet.core.intervals import free_between
from fleet.core.opening_hours import parse_opening_hours
from fleet.models.queries import bookable_asset, holding_during, holding_overlap, maintenance_overlap
from fleet.booking.owned_items import is_available, item_times_for, owned_item_for, unavailable_intervals
from fleet.booking.search_page import ShownAsset, shown_assets
from fleet.booking.search_statement import HOURS, HUB_ID, ID, LAT, LON, NAME, OWNED_ITEM_ID, ZONE, matching_statement


def overlapping_bookings(session: Session, asset_id: int, start: datetime, end: datetime,
                         exclude_id: int | None = None) -> list[Booking]:
    stmt = select(Booking).where(Booking.asset_id == asset_id, holding_during(start, end)).order_by(Booking.start_at)
    if exclude_id is not None:
        stmt = stmt.where(Booking.id != exclude_id)
    return list(session.scalars(stmt))


def overlapping_maintenance(session: Session, asset_id: int, start: datetime, end: datetime) -> list[MaintenanceWindow]:
    return list(session.scalars(select(MaintenanceWindow).where(
        MaintenanceWindow.asset_id == asset_id, MaintenanceWindow.start_at < end, MaintenanceWindow.end_at > start,
    ).order_by(MaintenanceWindow.start_at)))


@dataclass
class AssetQuery:
    category_id: int | None = None
    hub_id: int | None = None
    requires: dict = field(default_factory=dict)
    near: tuple[float, float] | None = None
    max_distance_km: float | None = None
    available_from: datetime | None = None
    available_until: datetime | None = None
    text: str = ""
    types: tuple[str, ...] = ()  # any of these asset types; empty: any type
    # Whose assets: these pools' (None: every pool's), and these categories of other pools, which the searching
    # member borrows through lending agreements ({category id: agreement}, fleet.booking.lending_agreements).
    pool_ids: set[int] | None = None
    borrowed: dict = field(default_factory=dict)


# A start typed to the minute ("from 10:20" at 10:20:40) is now, not the past.
SEARCH_GRACE = timedelta(minutes=1)


@dataclass
class AssetHit:
    asset: ShownAsset  # a read-only record of the asset, its category, hub and photos
    distance_km: float | None
    via_agreement: bool = False  # a partner pool's asset, bookable through a lending agreement


@dataclass
class AssetPage:
    hits: list[AssetHit]
    total: int  # how many match in all


def find_available_assets(session: Session, query: AssetQuery, now: datetime | None = None) -> list[AssetHit]:
    """Every active asset matching the query (see `search_assets`)."""
    return search_assets(session, query, now=now).hits


def search_assets(session: Session, query: AssetQuery, offset: int = 0, limit: int | None = None,
                  now: datetime | None = None) -> AssetPage:
    """Active assets matching the query; with a range, only those free (and whose hub is open at both ends) for
    the whole range. Nearest first when a location is given, else by name; `limit` of them from `offset`. Given
    `now`, a range that starts in the past is refused: nothing can be booked there, so nothing is "free" then.

    The matching runs over light rows in one query (id, name, the hub's place and hours, and the capabilities or
    type only when asked for), the opening hours and distances once per hub, the exact distance only where the
    order needs it (fleet/core/geo.py); the page's assets are read whole, as records (fleet/booking/search_page.py)."""
    if (query.available_from is None) != (query.available_until is None):
        raise ValidationFailed("Give both 'from' and 'until', or neither.", field="until")
    if query.available_from is not None and query.available_until <= query.available_from:
        raise ValidationFailed("'Until' must be after 'from'.", field="until")
    if now is not None and query.available_from is not None and query.available_from < now - SEARCH_GRACE:
        raise ValidationFailed("That time has passed: search from now on.", field="from")
    if query.max_distance_km is not None and query.near is None:
        raise ValidationFailed("A distance needs a location: set your home or choose one.", field="max_km")

    ranged = query.available_from is not None
    if session.autoflush:
        session.flush()  # as session.execute would; the plain connection below skips the ORM's work per row
    connection = session.connection()
    stmt = matching_statement(category=query.category_id is not None, pools=query.pool_ids is not None,
                              hub=query.hub_id is not None, text=bool(query.text), ranged=ranged,
                              capabilities=bool(query.requires), asset_type=bool(query.types),
                              ranges=connection.dialect.name == "postgresql")
    params = {"category_id": query.category_id, "hub_id": query.hub_id, "pattern": f"%{query.text}%",
              "pool_ids": sorted(query.pool_ids or ()), "borrowed": sorted(query.borrowed),
              "start": query.available_from, "end": query.available_until}
    rows = connection.execute(stmt, params).all()
    if ranged:
        # Open at both ends: decided once per hours and zone (many hubs share them), then once per hub.
        open_hubs: dict[int, bool] = {}
        open_at: dict[tuple[str, str], bool] = {}
        for r in rows:
            if r[HUB_ID] not in open_hubs:
                key = (r[HOURS], r[ZONE])
                if key not in open_at:
                    hours = parse_opening_hours(r[HOURS])
                    open_at[key] = (hours.is_open_at(query.available_from, r[ZONE])
                                    and hours.is_open_at(query.available_until, r[ZONE]))
                open_hubs[r[HUB_ID]] = open_at[key]
        rows = [r for r in rows if open_hubs[r[HUB_ID]]]
    if query.requires:
        rows = [r for r in rows if capabilities_hold(query.requires, r.capabilities or {})]
    if query.types:
        rows = [r for r in rows if type_matches(query.types, r.asset_type)]
    if ranged:  # a member's own item: only inside its owner's windows
        owned = item_times_for(session, [r[ID] for r in rows if r[OWNED_ITEM_ID] is not None],
                               query.available_from, query.available_until)
        if owned:
            rows = [r for r in rows if r[ID] not in owned
                    or is_available(owned[r[ID]], query.available_from, query.available_until)]

    end_at = None if limit is None else offset + limit
    if query.near is not None:
        nearest, total = nearest_first(query.near, rows, _place, _by_name, count=end_at,
                                       max_km=query.max_distance_km)
        shown = nearest[offset:end_at]
    else:
        total = len(rows)
        shown = [(r, None) for r in sorted(rows, key=_by_name)[offset:end_at]]
    loaded = shown_assets(connection, [r[ID] for r, _ in shown])
    return AssetPage([AssetHit(loaded[r[ID]], km, _borrowed(query, loaded[r[ID]])) for r, km in shown], total)


def _borrowed(query: AssetQuery, asset: ShownAsset) -> bool:
    """Whether the searcher reaches this asset only through a lending agreement."""
    return asset.category_id in query.borrowed and (query.pool_ids is None
                                                    or asset.category.pool_id not in query.pool_ids)


def _by_name(row) -> tuple:
    return (row[NAME].lower(), row[ID])


def _place(row) -> tuple[float, float]:
    return (row[LAT], row[LON])


def busy_intervals(session: Session, asset_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    """Holding bookings and maintenance overlapping [start, end), merged into sorted busy intervals."""
    # the third value is a word shown to people (translated by the delivery layer)
    raw = [(b.start_at, b.end_at, msg("booked")) for b in overlapping_bookings(session, asset_id, start, end)]
    raw += [(m.start_at, m.end_at, msg("maintenance"))
            for m in overlapping_maintenance(session, asset_id, start, end)]
    item = owned_item_for(session, asset_id)
    if item is not None:  # a member's own item: the time its owner does not offer is busy too
        raw += unavailable_intervals(item, start, end)
    return sorted(raw)


def free_intervals(session: Session, asset_id: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The complement of the busy intervals inside [start, end)."""
    return free_between(((s, e) for s, e, _ in busy_intervals(session, asset_id, start, end)), start, end)


__all__ = ["AssetQuery", "AssetHit", "AssetPage", "find_available_assets", "search_assets", "busy_intervals", "free_intervals",
           "overlapping_bookings", "overlapping_maintenance"]


@dataclass
class HubAvailability:
    hub: Hub
    # per category name: (assets free right now, active assets)
    by_category: dict[str, tuple[int, int]]

    @property
    def free(self) -> int:
        return sum(free for free, _ in self.by_category.values())

    @property
    def total(self) -> int:
        return sum(total for _, total in self.by_category.values())


def availability_now(session: Session, now: datetime) -> list[HubAvailability]:
    """Per open hub and category: how many active assets are free at this instant (no holding booking, no
    maintenance window) out of how many. One grouped query, not a loop over assets."""
    busy = holding_overlap(Asset.id, now, now + timedelta(seconds=1)) | \
        maintenance_overlap(Asset.id, now, now + timedelta(seconds=1))
    rows = session.execute(
        select(Hub, Category.name, func.count(Asset.id), func.sum(case((busy, 0), else_=1)))
        .join(Asset, Asset.hub_id == Hub.id).join(Category, Category.id == Asset.category_id)
        .where(bookable_asset())
        .group_by(Hub.id, Category.name).order_by(Hub.name, Category.name)).all()
    hubs: dict[int, HubAvailability] = {}
    for hub, category, total, free in rows:
        hubs.setdefault(hub.id, HubAvailability(hub, {})).by_category[category] = (int(free or 0), int(total))
    return list(hubs.values())
