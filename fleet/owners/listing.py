"""A member lists an item they own: what it is, where it is (a pool hub or their own place), when it may be
borrowed, whether they approve borrowers, and their share of each charge."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.catalogue.asset_types import clean_type
from fleet.catalogue.capabilities import coerce_capabilities
from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.core.geo import check_coordinates
from fleet.core.localtime import is_valid_zone_name
from fleet.core.text import multi_line, single_line
from fleet.members.pools import coordinated_pool_ids, member_pool_ids
from fleet.models import (
    ApprovalMode, Asset, AssetStatus, Category, Hub, Member, MeterUnit, OwnedItem,
)
from fleet.owners.terms import check_share
from fleet.owners.windows import WindowInput, replace_windows

NAME_MAX = 120
APPROVAL_MODES = tuple(m.value for m in ApprovalMode)


@dataclass
class ItemInput:
    name: str
    category_id: int
    description: str = ""
    asset_type: str = ""
    capabilities: dict | None = None
    hub_id: int | None = None          # a pool hub, or
    place: tuple[float, float] | None = None  # the owner's own place (lat, lon)
    timezone: str | None = None        # the zone of the windows; default: the hub's
    approval_mode: str = ApprovalMode.first_time.value
    owner_share_percent: int | None = None
    meter_unit: str | None = None
    windows: list[WindowInput] | None = None


def get_owned_item(session: Session, actor: Member, item_id: int) -> OwnedItem:
    """An item its owner or a coordinator may manage; anybody else gets 404."""
    item = session.get(OwnedItem, item_id, options=[joinedload(OwnedItem.asset).joinedload(Asset.hub)])
    if item is None or (item.owner_id != actor.id
                        and item.asset.category.pool_id not in coordinated_pool_ids(session, actor)):
        raise NotFound("No such item.")
    return item


def my_items(session: Session, actor: Member) -> list[OwnedItem]:
    return list(session.scalars(select(OwnedItem).where(OwnedItem.owner_id == actor.id)
                                .options(joinedload(OwnedItem.asset).joinedload(Asset.hub))
                                .order_by(OwnedItem.withdrawn_at.is_not(None), OwnedItem.id)))


def all_items(session: Session, pool_ids: set[int] | None = None) -> list[OwnedItem]:
    """Every member-owned item (coordinators); only those of `pool_ids` when given."""
    stmt = select(OwnedItem)
    if pool_ids is not None:
        stmt = stmt.join(OwnedItem.asset).join(Asset.category).where(Category.pool_id.in_(pool_ids))
    return list(session.scalars(stmt.options(joinedload(OwnedItem.asset), joinedload(OwnedItem.owner))
                                .order_by(OwnedItem.id)))


def _place_hub(session: Session, owner: Member, place: tuple[float, float], zone_name: str, pool_id: int) -> Hub:
    """The hub standing for the owner's own place: one per owner and pool (a hub is in one pool), moved when the
    point changes. Its name shows no personal data."""
    lat, lon = check_coordinates(*place)
    hub = session.scalar(select(Hub).join(Asset, Asset.hub_id == Hub.id)
                         .join(OwnedItem, OwnedItem.asset_id == Asset.id)
                         .where(OwnedItem.owner_id == owner.id, OwnedItem.at_owner_place.is_(True),
                                Hub.pool_id == pool_id).limit(1))
    if hub is None:
        taken = session.scalar(select(Hub.id).where(Hub.name == f"Member's place #{owner.id}")) is not None
        name = f"Member's place #{owner.id}" + (f" ({pool_id})" if taken else "")
        hub = Hub(name=name, address="", opening_hours="24/7", timezone=zone_name, pool_id=pool_id)
        session.add(hub)
    hub.lat, hub.lon, hub.timezone = lat, lon, zone_name
    return hub


def _default_zone(session: Session, owner: Member) -> str:
    if owner.home_hub is not None:
        return owner.home_hub.timezone
    return session.scalar(select(Hub.timezone).where(Hub.retired.is_(False)).order_by(Hub.id).limit(1)) or "UTC"


def _clean(session: Session, actor: Member, data: ItemInput) -> tuple[str, Category, str]:
    name = single_line(data.name, "name")
    if not name or len(name) > NAME_MAX:
        raise ValidationFailed("Enter a name of at most 120 characters.", field="name")
    category = session.get(Category, data.category_id) if isinstance(data.category_id, int) else None
    if category is None or category.retired or category.pool_id not in member_pool_ids(session, actor):
        raise ValidationFailed("Choose a category.", field="category_id")
    if data.approval_mode not in APPROVAL_MODES:
        raise ValidationFailed("Choose who must be approved: every booking, first-time borrowers, or nobody.",
                               field="approval_mode")
    if data.meter_unit and data.meter_unit not in tuple(u.value for u in MeterUnit):
        raise ValidationFailed("Meter unit must be km or hours.", field="meter_unit")
    return name, category, multi_line(data.description, "description")[:4000]


def _location(session: Session, owner: Member, data: ItemInput, pool_id: int) -> tuple[Hub, str, bool]:
    """Where the item is kept: a hub of the category's pool, or the owner's own place (a hub of that pool)."""
    if (data.hub_id is None) == (data.place is None):
        raise ValidationFailed("Say where it is: a hub, or your own place on the map.", field="hub_id")
    zone_name = single_line(data.timezone or "", "timezone")
    if zone_name and not is_valid_zone_name(zone_name):
        raise ValidationFailed("'%(zone)s' is not an IANA time zone such as Europe/Amsterdam.", field="timezone",
                               zone=zone_name)
    if data.hub_id is not None:
        hub = session.get(Hub, data.hub_id) if isinstance(data.hub_id, int) else None
        if hub is None or hub.retired or hub.pool_id != pool_id:
            raise ValidationFailed("Choose a hub.", field="hub_id")
        return hub, zone_name or hub.timezone, False
    zone_name = zone_name or _default_zone(session, owner)
    return _place_hub(session, owner, data.place, zone_name, pool_id), zone_name, True


def list_item(session: Session, actor: Member, data: ItemInput, now: datetime) -> OwnedItem:
    """Put one of the actor's own things into the pool. Bookable at once, inside its windows only."""
    if not actor.active:
        raise Forbidden("Your account is deactivated.")
    name, category, description = _clean(session, actor, data)
    share = check_share(session, data.owner_share_percent)
    hub, zone_name, at_place = _location(session, actor, data, category.pool_id)
    asset = Asset(name=name, description=description, category_id=category.id, hub=hub,
                  capabilities=coerce_capabilities(category.capability_schema or {}, data.capabilities or {}),
                  asset_type=clean_type(data.asset_type), status=AssetStatus.active, currency="EUR",
                  meter_unit=MeterUnit(data.meter_unit) if data.meter_unit else None, created_at=now)
    session.add(asset)
    session.flush()
    item = OwnedItem(asset_id=asset.id, owner_id=actor.id, approval_mode=ApprovalMode(data.approval_mode),
                     owner_share_percent=share, timezone=zone_name, at_owner_place=at_place, listed_at=now)
    session.add(item)
    session.flush()
    replace_windows(session, item, data.windows or [])
    return item


def update_terms(session: Session, actor: Member, item_id: int, *, approval_mode: str | None = None,
                 owner_share_percent: int | None = None) -> OwnedItem:
    """Change who must be approved and the owner's share; bookings already made keep their status."""
    item = get_owned_item(session, actor, item_id)
    if item.owner_id != actor.id:
        raise Forbidden("Only the owner can change this item's terms.")
    if approval_mode is not None:
        if approval_mode not in APPROVAL_MODES:
            raise ValidationFailed("Choose who must be approved: every booking, first-time borrowers, or nobody.",
                                   field="approval_mode")
        item.approval_mode = ApprovalMode(approval_mode)
    if owner_share_percent is not None:
        item.owner_share_percent = check_share(session, owner_share_percent)
    session.flush()
    return item
