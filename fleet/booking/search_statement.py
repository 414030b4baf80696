"""The statement the date-range search matches over (fleet.booking.availability.search_assets), prebuilt.

Its rows are light: the asset's id and name, its hub's place and hours, the capabilities or the type only when the
query asks for them, and with a time range the id of the asset's owned item, if a member owns it.
Building a statement of this size and its cache key costs SQLAlchemy more than running it, so each shape of query
(which filters it has) is built once per process with bound parameters, and its values are bound when it runs.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam
from sqlalchemy.sql import Select, select

from fleet.models import Asset, Booking, Category, Hub, OwnedItem
from fleet.models.queries import bookable_asset, held_assets, maintenance_overlap

_INSTANT = Booking.__table__.c.start_at.type  # how instants are bound (UTC, aware; see fleet.core.db)


# Where a light row holds what every search reads (a row read by position costs a tenth of one read by name, and a
# search reads hundreds): the asset's id, name and hub, the hub's place, zone and hours, and with a time range the
# asset's owned item (None when no member owns it). The capabilities and the type, when asked for, are read by name.
ID, NAME, HUB_ID, LAT, LON, ZONE, HOURS, OWNED_ITEM_ID = range(8)


@cache  # at most 2**8 shapes
def matching_statement(*, category: bool, pools: bool, hub: bool, text: bool, ranged: bool, capabilities: bool,
                       asset_type: bool, ranges: bool) -> Select:
    """The light rows' statement for a query with these filters; `ranges`: the database has range types
    (PostgreSQL, see fleet.models.queries.held_assets). Its parameters: `category_id`, `pool_ids` and `borrowed`
    (category ids, expanding), `hub_id`, `pattern` (for ILIKE), `start` and `end`."""
    columns = [Asset.id, Asset.name, Asset.hub_id, Hub.lat, Hub.lon, Hub.timezone, Hub.opening_hours]
    if ranged:
        columns.append(OwnedItem.id.label("owned_item_id"))
    if capabilities:
        columns.append(Asset.capabilities)
    if asset_type:
        columns.append(Asset.asset_type)
    stmt = (select(*columns).join(Category, Category.id == Asset.category_id).join(Hub, Hub.id == Asset.hub_id)
            .where(bookable_asset()))
    if category:
        stmt = stmt.where(Asset.category_id == bindparam("category_id"))
    if pools:
        stmt = stmt.where(Category.pool_id.in_(bindparam("pool_ids", expanding=True))
                          | Category.id.in_(bindparam("borrowed", expanding=True)))
    if hub:
        stmt = stmt.where(Asset.hub_id == bindparam("hub_id"))
    if text:
        stmt = stmt.where(Asset.name.ilike(bindparam("pattern")))
    if ranged:
        start, end = bindparam("start", type_=_INSTANT), bindparam("end", type_=_INSTANT)
        stmt = (stmt.outerjoin(OwnedItem, OwnedItem.asset_id == Asset.id)
                .where(Asset.id.not_in(held_assets(start, end, ranges=ranges)),
                       ~maintenance_overlap(Asset.id, start, end)))
    return stmt


__all__ = ["matching_statement", "ID", "NAME", "HUB_ID", "LAT", "LON", "ZONE", "HOURS", "OWNED_ITEM_ID"]
