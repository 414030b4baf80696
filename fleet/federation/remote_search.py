"""Partners' items in a member's search: mixed with the local results, nearest first by the same distance
code (fleet.core.geo.nearest_first), each marked as remote with its partner's name. A partner's item is shown
only while the agreement is active, only when the search asks for nothing it cannot know (no hub, no
capabilities, no types; a category matches by name) and, for a search over a time range, only when the last
fetched availability has one free slot covering the whole range."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from fleet.booking.availability import AssetHit, AssetQuery, search_assets
from fleet.core.geo import nearest_first
from fleet.models import Category, Partner, PartnerStatus, RemoteItem


@dataclass
class RemoteHit:
    item: RemoteItem
    distance_km: float | None

    @property
    def partner_name(self) -> str:
        return self.item.partner.name


@dataclass
class MixedPage:
    hits: list[AssetHit | RemoteHit]
    total: int


def is_free(item: RemoteItem, start: datetime, end: datetime) -> bool:
    """Whether one slot of the item's last fetched availability covers [start, end)."""
    for slot_start, slot_end in item.free or []:
        if datetime.fromisoformat(slot_start) <= start and end <= datetime.fromisoformat(slot_end):
            return True
    return False


def matching_remote_items(session: Session, query: AssetQuery) -> list[RemoteItem]:
    if query.hub_id is not None or query.requires or query.types:
        return []
    stmt = (select(RemoteItem).join(Partner, Partner.id == RemoteItem.partner_id)
            .where(Partner.status == PartnerStatus.active).options(joinedload(RemoteItem.partner))
            .order_by(RemoteItem.id))
    if query.category_id is not None:
        name = session.scalar(select(Category.name).where(Category.id == query.category_id))
        stmt = stmt.where(func.lower(RemoteItem.category) == (name or "").lower())
    if query.text:
        stmt = stmt.where(RemoteItem.name.ilike(f"%{query.text}%"))
    items = list(session.scalars(stmt).unique())
    if query.available_from is not None:
        items = [i for i in items if is_free(i, query.available_from, query.available_until)]
    return items


def _name_key(hit) -> tuple:
    name = hit.item.name if isinstance(hit, RemoteHit) else hit.asset.name
    return (name.lower(), isinstance(hit, RemoteHit), hit.item.id if isinstance(hit, RemoteHit) else hit.asset.id)


def search_with_partners(session: Session, query: AssetQuery, offset: int = 0, limit: int | None = None,
                         now: datetime | None = None, partners: bool | None = None) -> MixedPage:
    """`search_assets` (which checks the query) with the partners' items mixed in: by distance when the search
    has a place, else by name. `partners=False`: no partner is active (SearchScope.partners), nothing to ask."""
    end_at = None if limit is None else offset + limit
    local = search_assets(session, query, offset=0, limit=end_at, now=now)
    items = [] if partners is False else matching_remote_items(session, query)
    if query.near is not None:
        placed = [i for i in items if i.lat is not None and i.lon is not None]
        nearest, remote_total = nearest_first(query.near, placed, lambda i: (i.lat, i.lon),
                                              lambda i: (i.name.lower(), i.id), count=end_at,
                                              max_km=query.max_distance_km)
        remote = [RemoteHit(i, km) for i, km in nearest]
        mixed = sorted([*local.hits, *remote], key=lambda h: (h.distance_km, *_name_key(h)))
    else:
        remote_total = len(items)
        remote = [RemoteHit(i, None) for i in items]
        mixed = sorted([*local.hits, *remote], key=_name_key)
    return MixedPage(mixed[offset:end_at], local.total + remote_total)
