"""The search reads the assets of its page as plain records (fleet.booking.search_page), not ORM objects. They must
say exactly what the objects say: an item of the API search is the asset's own answer (GET /assets/<id>) with its
distance, photos in their order included, and the records carry every column and relation the search's readers use."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fleet.booking.search_page import shown_assets
from fleet.models import Asset, AssetPhoto, MeterUnit

pytestmark = pytest.mark.db


@pytest.fixture
def shelf(make, session, people):
    hub = make.hub(name="Shed", lat=52.1, lon=5.1)
    category = make.category(name="Tools", name_translations={"fr": "Outils", "de": "Werkzeuge"})
    plain = make.asset(category, hub, name="Plain saw", capabilities={})
    full = make.asset(category, hub, name="Full trailer", description="Two axles", use_instructions="Key in the safe",
                      asset_type="trailer", design_url="https://example.org/design", design_licence="CERN-OHL-S",
                      purchase_cost_minor=250000, currency="EUR", purchase_date=date(2024, 3, 1),
                      meter_unit=MeterUnit.km, capabilities={"seats": 2, "towbar": True})
    # Photos stored out of their shown order: position first, then id.
    for n, position in enumerate((2, 0, 1, 0)):
        session.add(AssetPhoto(asset_id=full.id, file_name=f"f{n}.jpg", thumb_name=f"t{n}.jpg", position=position,
                               alt_text=f"view {n}"))
    session.commit()
    return {"plain": plain, "full": full}


def test_an_api_search_item_is_the_asset_answer_plus_distance(api, shelf):
    found = api.get("/assets", query_string={"near": "52.1,5.1"}).get_json()["items"]
    by_id = {item["id"]: item for item in found}
    for asset in shelf.values():
        item = by_id[asset.id]
        assert item["distance_km"] == 0.0 and item["via_agreement"] is False
        assert item == {**api.get(f"/assets/{asset.id}").get_json(), "distance_km": 0.0}
    assert [p["alt_text"] for p in by_id[shelf["full"].id]["photos"]] == ["view 1", "view 3", "view 2", "view 0"]


def test_records_carry_what_the_objects_do(session, shelf):
    ids = [a.id for a in shelf.values()]
    records = shown_assets(session.connection(), ids + [10**6])  # an id that does not exist is left out
    assert sorted(records) == sorted(ids)
    columns = [c.key for c in Asset.__table__.columns]
    for asset in session.scalars(select(Asset).where(Asset.id.in_(ids))):
        record = records[asset.id]
        assert {c: getattr(record, c) for c in columns} == {c: getattr(asset, c) for c in columns}
        assert (record.category.id, record.category.pool_id, record.category.pool.slug, record.category.pool.name) == (
            asset.category.id, asset.category.pool_id, asset.category.pool.slug, asset.category.pool.name)
        assert [record.category.name_in(lang) for lang in ("fr-CH", "de", "nl", None)] == [
            asset.category.name_in(lang) for lang in ("fr-CH", "de", "nl", None)]
        assert (record.hub.id, record.hub.name) == (asset.hub.id, asset.hub.name)
        assert [(p.id, p.asset_id, p.alt_text) for p in record.photos] == [
            (p.id, p.asset_id, p.alt_text) for p in asset.photos]
    assert shown_assets(session.connection(), []) == {}
