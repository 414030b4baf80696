"""Coordinator services for assets."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.catalogue.asset_types import clean_type
from fleet.catalogue.capabilities import coerce_capabilities
from fleet.core import signals
from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.localtime import to_local
from fleet.core.messages import Term, msg
from fleet.core.text import multi_line, single_line
from fleet.models import Asset, AssetStatus, Category, Hub, Member, MeterUnit
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, require_object_pool

LICENCE_MAX = 120
TEXT_MAX = 4000  # the description and the use instructions, each


def list_assets(session: Session, include_retired: bool = True, *, hub_id: int | None = None,
                category_id: int | None = None, status: AssetStatus | None = None,
                pool_ids: set[int] | None = None) -> list[Asset]:
    """Assets by name, optionally only those of one hub, one category, one status or some pools."""
    stmt = select(Asset).options(joinedload(Asset.category), joinedload(Asset.hub)).order_by(Asset.name, Asset.id)
    if pool_ids is not None:
        stmt = stmt.where(Asset.category_id.in_(select(Category.id).where(Category.pool_id.in_(pool_ids))))
    if not include_retired:
        stmt = stmt.where(Asset.status != AssetStatus.retired)
    if hub_id is not None:
        stmt = stmt.where(Asset.hub_id == hub_id)
    if category_id is not None:
        stmt = stmt.where(Asset.category_id == category_id)
    if status is not None:
        stmt = stmt.where(Asset.status == status)
    return list(session.scalars(stmt))


def get_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id, options=[joinedload(Asset.category), joinedload(Asset.hub)])
    if asset is None:
        raise NotFound("No such asset.")
    return asset


def get_coordinated_asset(session: Session, actor: Member, asset_id: int) -> Asset:
    """An asset of a pool `actor` coordinates (its category's pool); another pool's asset is answered as a
    missing one."""
    asset = session.get(Asset, asset_id, options=[joinedload(Asset.category), joinedload(Asset.hub)])
    require_object_pool(session, actor, asset.category.pool_id if asset is not None else None,
                        NotFound("No such asset."))
    return asset


def _apply(session: Session, actor: Member, asset: Asset, *, name: str, category_id: int, hub_id: int, capabilities: dict,
           status: str = "active", description: str = "", design_url: str = "", design_licence: str = "",
           purchase_cost_minor: int | None = None, currency: str = "EUR", purchase_date: date | None = None,
           meter_unit: str | None = None, asset_type: str = "", use_instructions: str = "",
           now: datetime) -> None:
    name = single_line(name, "name")
    description = multi_line(description, "description")
    use_instructions = multi_line(use_instructions, "use_instructions")
    if len(description) > TEXT_MAX or len(use_instructions) > TEXT_MAX:
        raise ValidationFailed("Write at most %(count)s characters.", count=TEXT_MAX,
                               field="description" if len(description) > TEXT_MAX else "use_instructions")
    design_url = single_line(design_url, "design_url")
    design_licence = single_line(design_licence, "design_licence")
    if not name or len(name) > 120:
        raise ValidationFailed("Enter a name of at most 120 characters.", field="name")
    mine = coordinated_pool_ids(session, actor)
    category = session.get(Category, category_id) if category_id else None
    if category is None or category.pool_id not in mine or (category.retired and category.id != asset.category_id):
        raise ValidationFailed("Choose a category.", field="category_id")
    hub = session.get(Hub, hub_id) if hub_id else None
    if hub is None or hub.pool_id not in mine or (hub.retired and hub.id != asset.hub_id):
        raise ValidationFailed("Choose a hub.", field="hub_id")
    if hub.pool_id != category.pool_id:
        raise ValidationFailed("The hub %(hub)s is in another pool than the category %(category)s.",
                               field="hub_id", hub=hub.name, category=category.name)
    try:
        status_value = AssetStatus(status)
    except ValueError:
        raise ValidationFailed("Status must be active, maintenance or retired.", field="status") from None
    if design_url and not design_url.lower().startswith(("https://", "http://")):
        raise ValidationFailed("The design link must start with https:// or http://.", field="design_url")
    if purchase_cost_minor is not None and (isinstance(purchase_cost_minor, bool) or
                                            not isinstance(purchase_cost_minor, int) or purchase_cost_minor < 0):
        raise ValidationFailed("The purchase cost must be zero or more.", field="purchase_cost")
    if purchase_date is not None and purchase_date != asset.purchase_date \
            and purchase_date > to_local(now, hub.timezone).date():
        raise ValidationFailed("The purchase date %(date)s is in the future.", field="purchase_date",
                               date=purchase_date.isoformat())
    currency = (currency or "EUR").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed("Currency must be a three-letter code such as EUR.", field="currency")
    try:
        meter = MeterUnit(meter_unit) if meter_unit else None
    except ValueError:
        raise ValidationFailed("Meter unit must be km or hours.", field="meter_unit") from None
    asset.capabilities = coerce_capabilities(category.capability_schema or {}, capabilities or {})
    asset.asset_type = clean_type(asset_type)
    asset.name, asset.category_id, asset.hub_id, asset.status = name, category.id, hub.id, status_value
    asset.description, asset.use_instructions = description, use_instructions
    asset.design_url, asset.design_licence = design_url[:500], design_licence[:LICENCE_MAX]
    asset.purchase_cost_minor, asset.currency, asset.purchase_date = purchase_cost_minor, currency, purchase_date
    asset.meter_unit = meter


def create_asset(session: Session, actor: Member, *, now: datetime, **fields) -> Asset:
    require_coordinator(actor)
    asset = Asset()
    _apply(session, actor, asset, now=now, **fields)
    session.add(asset)
    session.flush()
    return asset


def update_asset(session: Session, actor: Member, asset_id: int, *, now: datetime, **fields) -> Asset:
    asset = get_coordinated_asset(session, actor, asset_id)
    was = asset.status
    _apply(session, actor, asset, now=now, **fields)
    session.flush()
    _replan_if_unavailable(session, asset, was, now)
    return asset


def set_asset_status(session: Session, actor: Member, asset_id: int, status: AssetStatus, *,
                     now: datetime) -> Asset:
    """Retiring keeps the asset's history; its future bookings are moved to an equivalent asset where
    possible and flagged for attention otherwise."""
    asset = get_coordinated_asset(session, actor, asset_id)
    was = asset.status
    asset.status = status
    session.flush()
    _replan_if_unavailable(session, asset, was, now)
    return asset


def take_out_of_service(session: Session, asset_id: int, *, now: datetime) -> Asset:
    """Put an asset in maintenance because someone at the hub found it unusable (a damage report); any
    member may do that, so there is no coordinator check here. Its future bookings are re-planned."""
    asset = get_asset(session, asset_id)
    was = asset.status
    if was == AssetStatus.active:
        asset.status = AssetStatus.maintenance
        session.flush()
        _replan_if_unavailable(session, asset, was, now)
    return asset


def _replan_if_unavailable(session: Session, asset: Asset, was: AssetStatus, now: datetime) -> None:
    if was == AssetStatus.active and asset.status != AssetStatus.active:
        signals.asset_unavailable.send(
            session, asset_id=asset.id, start=now, end=datetime.max.replace(tzinfo=timezone.utc), now=now,
            reason=Term("retired") if asset.status == AssetStatus.retired else Term(msg("in maintenance")))
