"""The pool's catalogue in the Commons API format (wielebenwir/commons-api, the format CommonsBooking and its
"Commons Hub" exchange): items, locations (GeoJSON of hubs), owners, projects and availability slots.

What is published: the bookable assets (`fleet.models.queries.bookable_asset`: active, of a category and at a
hub still in use, not a withdrawn member's item) among the hubs and categories asked for (`Selection`; all by
default, so that a pool can later publish only its own). Retired assets, hubs and categories never appear.

Ids are strings: an item is its asset id, a location its hub id. The owner of a pool asset is the installation
itself (`pool`); a member's own item is owned by `member-<id>`, named by the owner's first name only (the
feed is public); the hub standing for a member's own place is published to about a kilometre, without an
address. Items carry, beside the schema's fields (which allow more), `locationId`, `category` and
`categoryId`, which a subscriber needs to place and sort them.

Availability is each item's free time from now to the horizon (the publisher's, or the category's booking
horizon when shorter), from `fleet.booking.availability.free_intervals`: the one definition of free time that
the booking path honours (holding bookings, maintenance, an owner's windows).

Every builder returns a plain dict ready for JSON; nothing here knows about HTTP.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from fleet.booking.availability import free_intervals
from fleet.models import Asset, AssetPhoto, Category, Hub, Member
from fleet.models.owners import OwnedItem
from fleet.models.queries import bookable_asset

POOL_OWNER_ID = "pool"


@dataclass(frozen=True)
class Selection:
    """Which pools, hubs and categories to publish; None means all of them."""

    hub_ids: frozenset[int] | None = None
    category_ids: frozenset[int] | None = None
    pool_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class CommonsApiSettings:
    """What the operator says about the installation as a Commons API project."""

    project_id: str = "commonpool"
    name: str = "Commonpool"
    url: str = "https://example.org"
    description: str = ""
    language: str = "en"
    availability_days: int = 14


@dataclass(frozen=True)
class Links:
    """Absolute URLs, made by the delivery layer."""

    asset_page: Callable[[Asset], str]
    photo: Callable[[AssetPhoto], str]
    hub_page: Callable[[Hub], str]


def rfc3339(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def published_assets(session: Session, selection: Selection = Selection()) -> list[Asset]:
    """The bookable assets in the selection, by id, with their category, hub and photos loaded."""
    stmt = (select(Asset).join(Category, Category.id == Asset.category_id).join(Hub, Hub.id == Asset.hub_id)
            .where(bookable_asset())
            .options(joinedload(Asset.category), joinedload(Asset.hub), selectinload(Asset.photos))
            .order_by(Asset.id))
    if selection.hub_ids is not None:
        stmt = stmt.where(Asset.hub_id.in_(selection.hub_ids))
    if selection.category_ids is not None:
        stmt = stmt.where(Asset.category_id.in_(selection.category_ids))
    if selection.pool_ids is not None:
        stmt = stmt.where(Category.pool_id.in_(selection.pool_ids))
    return list(session.scalars(stmt).unique())


def _owners_of(session: Session, assets: list[Asset]) -> dict[int, Member]:
    """asset id -> the member who owns it, for members' own items."""
    if not assets:
        return {}
    rows = session.execute(select(OwnedItem.asset_id, Member).join(Member, Member.id == OwnedItem.owner_id)
                           .where(OwnedItem.asset_id.in_([a.id for a in assets]))).all()
    return dict(rows)


def _member_owner_id(member: Member) -> str:
    return f"member-{member.id}"


def _first_name(member: Member) -> str:
    return (member.name or "").split()[0] if (member.name or "").split() else "Member"


def items(session: Session, settings: CommonsApiSettings, links: Links,
          selection: Selection = Selection()) -> dict:
    """items.json: {"items": [...]}."""
    assets = published_assets(session, selection)
    owners = _owners_of(session, assets)
    out = []
    for asset in assets:
        owner = owners.get(asset.id)
        item = {
            "id": str(asset.id),
            "name": asset.name,
            "url": links.asset_page(asset),
            "description": asset.description or "",
            "ownerId": _member_owner_id(owner) if owner is not None else POOL_OWNER_ID,
            "projectId": settings.project_id,
            "locationId": str(asset.hub_id),
            "category": asset.category.name,
            "categoryId": str(asset.category_id),
        }
        photos = sorted(asset.photos, key=lambda p: (p.position, p.id))
        if photos:
            item["image"] = links.photo(photos[0])
        out.append(item)
    return {"items": out}


# A member's own place (the hub of items kept at home) is published to about a kilometre, without an address.
PLACE_DECIMALS = 2


def _feature(hub: Hub, links: Links, members_place: bool) -> dict:
    lat, lon = (round(hub.lat, PLACE_DECIMALS), round(hub.lon, PLACE_DECIMALS)) if members_place else (hub.lat, hub.lon)
    return {
        "type": "Feature",
        "properties": {"id": str(hub.id), "name": hub.name, "address": "" if members_place else hub.address or "",
                       "url": links.hub_page(hub), "description": f"Opening hours: {hub.opening_hours}"},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def members_places(session: Session) -> set[int]:
    """The hubs that stand for members' own places."""
    return set(session.scalars(select(Asset.hub_id).join(OwnedItem, OwnedItem.asset_id == Asset.id)
                               .where(OwnedItem.at_owner_place.is_(True))))


def locations(session: Session, links: Links, selection: Selection = Selection()) -> dict:
    """locations.json: the hubs in use as a GeoJSON FeatureCollection."""
    stmt = select(Hub).where(Hub.retired.is_(False)).order_by(Hub.id)
    if selection.hub_ids is not None:
        stmt = stmt.where(Hub.id.in_(selection.hub_ids))
    if selection.pool_ids is not None:
        stmt = stmt.where(Hub.pool_id.in_(selection.pool_ids))
    places = members_places(session)
    return {"locations": {"type": "FeatureCollection",
                          "features": [_feature(h, links, h.id in places) for h in session.scalars(stmt)]}}


def owners(session: Session, settings: CommonsApiSettings, links: Links, selection: Selection = Selection()) -> dict:
    """owners.json: the installation, and each member who lends an item of their own.

    The upstream owners schema requires a `locations` member (a copy of the locations schema's line), so the
    document carries the locations too: valid against the schema as published, and harmless to a reader."""
    assets = published_assets(session, selection)
    members = sorted({m.id: m for m in _owners_of(session, assets).values()}.values(), key=lambda m: m.id)
    listed = [{"id": POOL_OWNER_ID, "name": settings.name, "url": settings.url}]
    listed += [{"id": _member_owner_id(m), "name": _first_name(m)} for m in members]
    return {"owners": listed, **locations(session, links, selection)}


def projects(settings: CommonsApiSettings) -> dict:
    """projects.json: the installation as the one project."""
    project = {"id": settings.project_id, "name": settings.name, "url": settings.url,
               "language": settings.language}
    if settings.description:
        project["description"] = settings.description
    return {"projects": [project]}


def availability(session: Session, settings: CommonsApiSettings, now: datetime,
                 selection: Selection = Selection()) -> dict:
    """availability.json: each published item's free slots from now to the horizon."""
    slots = []
    for asset in published_assets(session, selection):
        horizon = now + timedelta(days=min(settings.availability_days, asset.category.max_advance_days))
        for start, end in free_intervals(session, asset.id, now, horizon):
            slots.append({"start": rfc3339(start), "end": rfc3339(end), "locationId": str(asset.hub_id),
                          "itemId": str(asset.id)})
    return {"availability": slots}
