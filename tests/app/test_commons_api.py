"""The Commons API documents: each valid against the vendored wielebenwir/commons-api schemas, publishing the
bookable assets (a member's own item included, a retired asset and a withdrawn item not), with availability
from the one free-time function, and cacheable with ETag / If-None-Match."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from fleet.booking.availability import free_intervals
from fleet.feeds import commons_api
from fleet.models import AssetPhoto, AssetStatus
from fleet.models.owners import OwnedItem
from tests.app.test_gbfs import format_checker

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "commons-api-schema"
NAMES = ("items", "locations", "owners", "projects", "availability")


def _registry() -> Registry:
    """The schemas refer to each other by their GitHub URLs (their $id): resolve those from the vendored copies,
    never from the network."""
    resources = []
    for name in NAMES:
        schema = json.loads((SCHEMAS / f"commons-api.{name}.schema.json").read_text())
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def validate(name: str, document: dict) -> None:
    schema = json.loads((SCHEMAS / f"commons-api.{name}.schema.json").read_text())
    # "$schema": "http://json-schema.org/schema#" names no draft; the files use draft-07 keywords.
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, registry=_registry(), format_checker=format_checker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors)


@pytest.fixture
def catalogue(make, session):
    hub = make.hub(name="Station", address="Jutfaseweg 2", lat=52.0794, lon=5.1269)
    gone_hub = make.hub(name="Closed hub", retired=True)
    trailers = make.category(name="Trailers", max_advance_days=3)
    a = dict(
        trailer=make.asset(trailers, hub, name="Box trailer", description="Two axles, 750 kg"),
        retired=make.asset(trailers, hub, name="Old trailer", status=AssetStatus.retired),
        at_gone_hub=make.asset(trailers, gone_hub, name="Trailer at a closed hub"),
        owned=make.asset(trailers, hub, name="Anna's trailer"),
        withdrawn=make.asset(trailers, hub, name="Withdrawn trailer"),
    )
    anna = make.member(name="Anna de Vries")
    session.add(OwnedItem(asset_id=a["owned"].id, owner_id=anna.id, timezone="Europe/Amsterdam"))
    session.add(OwnedItem(asset_id=a["withdrawn"].id, owner_id=anna.id, timezone="Europe/Amsterdam",
                          withdrawn_at=datetime.now(timezone.utc)))
    session.add(AssetPhoto(asset_id=a["trailer"].id, file_name="a" * 36 + ".jpg", thumb_name="b" * 36 + ".jpg"))
    member = make.member()
    now = datetime.now(timezone.utc)
    make.booking(a["trailer"], member, now + timedelta(hours=2), now + timedelta(hours=5))
    session.commit()
    return a, anna


def fetch(client, name: str) -> dict:
    response = client.get(f"/commons-api/v1/{name}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"].startswith("public")
    return response.get_json()


@pytest.mark.parametrize("name", NAMES)
def test_every_document_is_valid_against_its_schema(client, catalogue, name):
    validate(name, fetch(client, name))


def test_items_are_the_bookable_assets_with_their_owner_and_place(client, catalogue):
    a, anna = catalogue
    items = {i["id"]: i for i in fetch(client, "items")["items"]}
    assert set(items) == {str(a["trailer"].id), str(a["owned"].id)}  # not retired, closed hub, withdrawn
    trailer = items[str(a["trailer"].id)]
    assert trailer["ownerId"] == "pool" and trailer["locationId"] == str(a["trailer"].hub_id)
    assert trailer["category"] == "Trailers" and trailer["description"] == "Two axles, 750 kg"
    assert trailer["url"].endswith(f"/assets/{a['trailer'].id}")
    assert f"/assets/{a['trailer'].id}/photos/" in trailer["image"]
    owned = items[str(a["owned"].id)]
    assert owned["ownerId"] == f"member-{anna.id}" and "image" not in owned
    owners = {o["id"]: o["name"] for o in fetch(client, "owners")["owners"]}
    assert owners[f"member-{anna.id}"] == "Anna"  # a public document: the first name only
    assert "pool" in owners


def test_locations_are_geojson_points_of_hubs_in_use(client, catalogue):
    features = fetch(client, "locations")["locations"]["features"]
    assert [f["properties"]["name"] for f in features] == ["Station"]
    assert features[0]["geometry"]["coordinates"] == [5.1269, 52.0794]  # GeoJSON: longitude first


def test_availability_is_the_free_time_the_booking_path_honours(client, session, catalogue):
    a, _ = catalogue
    slots = fetch(client, "availability")["availability"]
    by_item = {}
    for slot in slots:
        by_item.setdefault(slot["itemId"], []).append(slot)
    assert str(a["retired"].id) not in by_item
    trailer = by_item[str(a["trailer"].id)]
    start = datetime.fromisoformat(trailer[0]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(trailer[-1]["end"].replace("Z", "+00:00"))
    assert end - start == timedelta(days=3)  # the category's booking horizon is shorter than the feed's
    expected = free_intervals(session, a["trailer"].id, start, end)
    assert [(s["start"], s["end"]) for s in trailer] == [(commons_api.rfc3339(s), commons_api.rfc3339(e))
                                                          for s, e in expected]
    assert len(trailer) == 2  # the booking in 2 to 5 hours splits the free time


def test_the_owned_item_is_free_only_inside_its_owners_windows(client, catalogue):
    a, _ = catalogue
    slots = [s for s in fetch(client, "availability")["availability"] if s["itemId"] == str(a["owned"].id)]
    assert slots == []  # listed without weekly windows: its owner offers no time yet


def test_etag_and_if_none_match_answer_304(client, catalogue):
    first = client.get("/commons-api/v1/items.json")
    etag = first.headers["ETag"]
    again = client.get("/commons-api/v1/items.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/commons-api/v1/items.json", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_json() == first.get_json()


def test_a_selection_publishes_only_its_hubs(session, catalogue):
    a, _ = catalogue
    none = commons_api.published_assets(session, commons_api.Selection(hub_ids=frozenset({-1})))
    only = commons_api.published_assets(session, commons_api.Selection(hub_ids=frozenset({a["trailer"].hub_id})))
    assert none == [] and {x.id for x in only} == {a["trailer"].id, a["owned"].id}


def test_a_members_own_place_is_published_coarsely(client, make, session):
    home = make.hub(name="Member's place #9", address="Secret lane 3", lat=52.123456, lon=5.654321)
    tools = make.category(name="Tools")
    drill = make.asset(tools, home, name="Drill")
    owner = make.member()
    session.add(OwnedItem(asset_id=drill.id, owner_id=owner.id, timezone="Europe/Amsterdam", at_owner_place=True))
    session.commit()
    document = fetch(client, "locations")
    validate("locations", document)
    place = next(f for f in document["locations"]["features"] if f["properties"]["id"] == str(home.id))
    assert place["geometry"]["coordinates"] == [5.65, 52.12] and place["properties"]["address"] == ""


def test_each_public_pool_publishes_its_own_catalogue_and_a_private_pool_none(client, session, make):
    village = make.pool()  # the default pool, first: with none, the first pool made counts as the default
    farm = make.pool("farm", name="Farm co-op")
    hidden = make.pool("hidden", name="Members only", public=False)
    for pool, name in ((village, "Village drill"), (farm, "Farm trailer"), (hidden, "Private van")):
        make.asset(make.category(name=f"{name}s", pool=pool), make.hub(name=f"{name} hub", pool=pool), name=name)
    session.commit()
    everything = client.get("/commons-api/v1/items.json").get_data(as_text=True)
    assert "Village drill" in everything and "Farm trailer" in everything and "Private van" not in everything
    farm_only = client.get("/commons-api/v1/items.json?pool=farm").get_data(as_text=True)
    assert "Farm trailer" in farm_only and "Village drill" not in farm_only
    places = client.get("/commons-api/v1/locations.json?pool=farm").get_data(as_text=True)
    assert "Farm trailer hub" in places and "Village drill hub" not in places
    assert client.get("/commons-api/v1/items.json?pool=hidden").status_code == 404
    assert client.get("/commons-api/v1/items.json?pool=nowhere").status_code == 404
