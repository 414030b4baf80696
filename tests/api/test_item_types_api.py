"""Asset types through the API: an asset's type, searching by type, and a flexible request for a type or any
of several, with clear 422 problems for types the category does not have."""
from __future__ import annotations

import pytest

from tests.helpers import at


@pytest.fixture
def tools(make, session, people):
    hub = make.hub(name="Workshop", opening_hours="24/7")
    power = make.category(name="Power tools", capability_schema={"watts": "number"}, min_duration_minutes=60)
    drill = make.asset(power, hub, name="Hammer drill", asset_type="hammer drill", capabilities={"watts": 900})
    jigsaw = make.asset(power, hub, name="Jigsaw", asset_type="jigsaw", capabilities={"watts": 650})
    session.commit()
    return dict(power=power, drill=drill, jigsaw=jigsaw, hub=hub)


def test_an_asset_has_a_type_and_search_finds_it(api, coord_api, tools):
    power = tools["power"].id
    assert api.get(f"/assets/{tools['jigsaw'].id}").get_json()["type"] == "jigsaw"
    found = api.get(f"/assets?category={power}&type=Jigsaw").get_json()["items"]
    assert [a["name"] for a in found] == ["Jigsaw"]
    both = api.get(f"/assets?category={power}&type=jigsaw&type=hammer%20drill").get_json()["items"]
    assert {a["name"] for a in both} == {"Jigsaw", "Hammer drill"}
    r = api.get(f"/assets?category={power}&type=lathe")
    assert r.status_code == 422 and r.get_json()["field"] == "type" and "lathe" in r.get_json()["detail"]
    assert api.get("/assets?type=jigsaw").status_code == 422  # a type needs a category
    made = coord_api.post("/assets", json={"name": "Scroll saw", "category_id": power, "hub_id": tools["hub"].id,
                                           "type": " scroll  saw "})
    assert made.status_code == 201 and made.get_json()["type"] == "scroll saw"
    changed = coord_api.patch(f"/assets/{made.get_json()['id']}", json={"type": None})
    assert changed.status_code == 200 and changed.get_json()["type"] is None
    too_long = coord_api.post("/assets", json={"name": "X", "category_id": power, "hub_id": tools["hub"].id,
                                               "type": "x" * 81})
    assert too_long.status_code == 422


def test_a_request_for_a_jigsaw_gets_the_jigsaw(api, tools):
    body = {"category_id": tools["power"].id, "earliest_start": at(2, 8).isoformat(),
            "latest_end": at(2, 12).isoformat(), "duration_minutes": 120, "requires": {"watts": 600},
            "types": ["JIGSAW"]}
    r = api.post("/requests", json=body)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    assert got["status"] == "assigned" and got["types"] == ["jigsaw"]
    assert got["assignment"]["asset_id"] == tools["jigsaw"].id


def test_a_request_for_an_unknown_type_is_a_clear_422(api, tools):
    body = {"category_id": tools["power"].id, "earliest_start": at(2, 8).isoformat(),
            "latest_end": at(2, 12).isoformat(), "duration_minutes": 120, "types": ["band saw"]}
    r = api.post("/requests", json=body)
    assert r.status_code == 422 and r.get_json()["field"] == "types"
    assert "Power tools has no asset of type 'band saw'." == r.get_json()["detail"]
    assert api.get("/requests").get_json()["total"] == 0
