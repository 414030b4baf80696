"""The assets a search's page shows, read as plain read-only records (fleet.booking.availability.search_assets).

A page names about twenty assets with their category (its names and its pool), hub and photos. Nothing on a page of
results changes them, and building them as ORM objects cost twice as much as reading the same columns as rows (at
ten times the demo about 1.0 against 0.5 ms per page, see bench/README.md). So they are records with the attributes
the API's serialiser, the search templates and the price book read of an Asset, in one statement.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.sql import Select

from fleet.models import Asset, AssetPhoto, Category, Hub, Pool
from fleet.models.catalogue import AssetStatus, MeterUnit, name_for_language


class ShownPool(NamedTuple):
    id: int
    slug: str
    name: str


class ShownCategory(NamedTuple):
    id: int
    pool_id: int
    name: str
    name_translations: dict | None
    pool: ShownPool

    def name_in(self, language: str | None) -> str:
        return name_for_language(self.name, self.name_translations, language)


class ShownHub(NamedTuple):
    id: int
    name: str


class ShownPhoto(NamedTuple):
    id: int
    asset_id: int
    alt_text: str


class ShownAsset(NamedTuple):
    id: int
    name: str
    description: str
    use_instructions: str
    category_id: int
    hub_id: int
    capabilities: dict | None
    asset_type: str
    status: AssetStatus
    design_url: str
    design_licence: str
    purchase_cost_minor: int | None
    currency: str
    purchase_date: date | None
    meter_unit: MeterUnit | None
    created_at: datetime
    category: ShownCategory
    hub: ShownHub
    photos: list[ShownPhoto]  # in the order the asset's page shows them


# The asset's columns, in the order of ShownAsset's first fields (a row's start becomes the record as it is).
_ASSET_COLUMNS = tuple(getattr(Asset, name) for name in ShownAsset._fields[:-3])
# Where the rest of a row is: read by position, as a row read by name costs far more.
_CATEGORY_ID, _HUB_ID = ShownAsset._fields.index("category_id"), ShownAsset._fields.index("hub_id")
_POOL_ID, _CATEGORY_NAME, _CATEGORY_NAMES, _POOL_SLUG, _POOL_NAME, _HUB_NAME, _PHOTO_ID, _PHOTO_ALT = \
    range(len(_ASSET_COLUMNS), len(_ASSET_COLUMNS) + 8)


@cache  # built once: its cache key costs more than running it
def _page_statement() -> Select:
    return (select(*_ASSET_COLUMNS, Category.pool_id, Category.name, Category.name_translations, Pool.slug, Pool.name,
                   Hub.name, AssetPhoto.id, AssetPhoto.alt_text)
            .join(Category, Category.id == Asset.category_id).join(Pool, Pool.id == Category.pool_id)
            .join(Hub, Hub.id == Asset.hub_id).outerjoin(AssetPhoto, AssetPhoto.asset_id == Asset.id)
            .where(Asset.id.in_(bindparam("ids", expanding=True)))
            .order_by(AssetPhoto.position, AssetPhoto.id))


def shown_assets(connection: Connection, ids: Sequence[int]) -> dict[int, ShownAsset]:
    """{asset id: ShownAsset} of these assets (a missing id is left out)."""
    if not ids:
        return {}
    assets: dict[int, ShownAsset] = {}
    categories: dict[int, ShownCategory] = {}
    hubs: dict[int, ShownHub] = {}
    width = len(_ASSET_COLUMNS)
    for r in connection.execute(_page_statement(), {"ids": list(ids)}):
        asset = assets.get(r[0])
        if asset is None:
            category = categories.get(r[_CATEGORY_ID])
            if category is None:
                category = categories[r[_CATEGORY_ID]] = ShownCategory(
                    r[_CATEGORY_ID], r[_POOL_ID], r[_CATEGORY_NAME], r[_CATEGORY_NAMES],
                    ShownPool(r[_POOL_ID], r[_POOL_SLUG], r[_POOL_NAME]))
            hub = hubs.get(r[_HUB_ID])
            if hub is None:
                hub = hubs[r[_HUB_ID]] = ShownHub(r[_HUB_ID], r[_HUB_NAME])
            asset = assets[r[0]] = ShownAsset(*r[:width], category, hub, [])
        if r[_PHOTO_ID] is not None:
            asset.photos.append(ShownPhoto(r[_PHOTO_ID], r[0], r[_PHOTO_ALT]))
    return assets


__all__ = ["ShownAsset", "ShownCategory", "ShownHub", "ShownPhoto", "ShownPool", "shown_assets"]
