"""Coordinator pages for assets: the category comes first so the capability inputs fit it."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fleet.models import Asset, AssetStatus, MeterUnit, Role
from tests.helpers import login


def assets(session) -> int:
    return session.scalar(select(func.count()).select_from(Asset))


@pytest.fixture
def world(client, make, session):
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    hub = make.hub(name="Station hub")
    other_hub = make.hub(name="Farm hub")
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool", "fuel": "text"})
    drills = make.category(name="Drills", capability_schema={"power_w": "number"})
    session.commit()
    login(client, "coord@example.org")
    return dict(coordinator=coordinator, hub=hub, other_hub=other_hub, cars=cars, drills=drills)


def good(world, **change) -> dict:
    data = {"category_id": str(world["cars"].id), "name": "Blue van", "description": "Long wheelbase.",
            "hub_id": str(world["hub"].id), "status": "active", "cap_seats": "3", "cap_towbar": ["no", "yes"],
            "cap_fuel": "electric", "design_url": "https://example.org/van", "design_licence": "CERN-OHL-S-2.0",
            "purchase_cost": "18500.50", "currency": "eur", "purchase_date": "2024-05-17", "meter_unit": "km"}
    data.update(change)
    return data


def test_new_asset_starts_with_the_category(client, world):
    html = client.get("/manage/assets/new").get_data(as_text=True)
    assert "First choose the category" in html and 'name="name"' not in html
    html = client.get("/manage/assets/new", query_string={"category": world["cars"].id}).get_data(as_text=True)
    assert 'name="cap_seats"' in html and 'name="cap_towbar"' in html and 'name="cap_fuel"' in html
    assert 'name="cap_power_w"' not in html
    assert f'name="category_id" value="{world["cars"].id}"' in html
    assert client.get("/manage/assets/new", query_string={"category": 987654}).status_code == 404


def test_create_edit_retire(client, session, world):
    r = client.post("/manage/assets/new", data=good(world))
    assert r.status_code == 302 and r.headers["Location"].endswith("/manage/assets")
    asset = session.scalar(select(Asset).where(Asset.name == "Blue van"))
    assert asset.capabilities == {"seats": 3, "towbar": True, "fuel": "electric"}
    assert (asset.purchase_cost_minor, asset.currency, asset.purchase_date) == (1850050, "EUR", date(2024, 5, 17))
    assert (asset.meter_unit, asset.status, asset.hub_id) == (MeterUnit.km, AssetStatus.active, world["hub"].id)
    html = client.get("/manage/assets").get_data(as_text=True)
    assert "Blue van" in html and "Seats: 3" in html

    edit = client.get(f"/manage/assets/{asset.id}/edit").get_data(as_text=True)
    assert 'value="18500.50"' in edit and 'value="2024-05-17"' in edit and 'value="electric"' in edit
    data = good(world, name="Blue van 2", cap_towbar="no", cap_fuel="", purchase_cost="99,9", meter_unit="",
                status="maintenance", hub_id=str(world["other_hub"].id), purchase_date="")
    assert client.post(f"/manage/assets/{asset.id}/edit", data=data).status_code == 302
    session.refresh(asset)
    assert asset.name == "Blue van 2" and asset.capabilities == {"seats": 3, "towbar": False}
    assert (asset.purchase_cost_minor, asset.meter_unit, asset.purchase_date) == (9990, None, None)
    assert (asset.status, asset.hub_id) == (AssetStatus.maintenance, world["other_hub"].id)

    r = client.post(f"/manage/assets/{asset.id}/retire", follow_redirects=True)
    assert r.status_code == 200 and "retired" in r.get_data(as_text=True)
    session.refresh(asset)
    assert asset.status == AssetStatus.retired


def test_edit_can_switch_category(client, make, session, world):
    asset = make.asset(world["cars"], world["hub"], name="Drill-ish", capabilities={"seats": 2})
    session.commit()
    r = client.get(f"/manage/assets/{asset.id}/edit", query_string={"category": world["drills"].id})
    html = r.get_data(as_text=True)
    assert 'name="cap_power_w"' in html and 'name="cap_seats"' not in html
    data = {k: v for k, v in good(world, category_id=str(world["drills"].id), cap_power_w="750").items()
            if not k.startswith("cap_") or k == "cap_power_w"}
    assert client.post(f"/manage/assets/{asset.id}/edit", data=data).status_code == 302
    session.refresh(asset)
    assert asset.category_id == world["drills"].id and asset.capabilities == {"power_w": 750}


@pytest.mark.parametrize("change,field,message", [
    ({"cap_seats": "abc"}, "cap_seats", "seats must be a number"),
    ({"purchase_cost": "12.345"}, "purchase_cost", "is not an amount"),
    ({"purchase_cost": "twelve"}, "purchase_cost", "is not an amount"),
    ({"purchase_cost": "-5"}, "purchase_cost", "must be zero or more"),
    ({"purchase_cost": "99999999999"}, "purchase_cost", "too large"),
    ({"purchase_date": "2024-13-01"}, "purchase_date", "is not a date"),
    ({"currency": "euro"}, "currency", "three-letter code"),
    ({"design_url": "javascript:alert(1)"}, "design_url", "must start with https://"),
    ({"hub_id": ""}, "hub_id", "Choose a hub"),
    ({"meter_unit": "miles"}, "meter_unit", "Meter unit must be"),
    ({"name": ""}, "name", "Enter a name"),
])
def test_bad_input_is_refused_and_nothing_is_written(client, session, world, change, field, message):
    r = client.post("/manage/assets/new", data=good(world, **change))
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "Long wheelbase." in html and 'name="cap_seats"' in html  # values and capability inputs kept
    assert assets(session) == 0


def test_unknown_category_id_is_refused(client, session, world):
    r = client.post("/manage/assets/new", data=good(world, category_id="987654"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="category_id-error"' in html and "Choose a category" in html
    assert 'value="Blue van"' in html
    assert assets(session) == 0


def test_capability_of_another_category_is_refused(client, session, world):
    r = client.post("/manage/assets/new", data=good(world, cap_power_w="700"))
    assert r.status_code == 422 and "Unknown capability" in r.get_data(as_text=True)
    assert assets(session) == 0


def test_bad_edit_changes_nothing(client, make, session, world):
    asset = make.asset(world["cars"], world["hub"], name="Old car", capabilities={"seats": 5})
    session.commit()
    r = client.post(f"/manage/assets/{asset.id}/edit", data=good(world, name="New car", cap_seats="lots"))
    assert r.status_code == 422 and 'value="lots"' in r.get_data(as_text=True)
    session.refresh(asset)
    assert (asset.name, asset.capabilities) == ("Old car", {"seats": 5})


def test_list_filters(client, make, session, world):
    make.asset(world["cars"], world["hub"], name="Station car")
    make.asset(world["drills"], world["other_hub"], name="Farm drill", capabilities={"power_w": 500})
    make.asset(world["cars"], world["other_hub"], name="Old farm car", status=AssetStatus.retired)
    session.commit()

    def names(**args):
        html = client.get("/manage/assets", query_string=args).get_data(as_text=True)
        return {n for n in ("Station car", "Farm drill", "Old farm car") if f">{n}</a>" in html}

    assert names() == {"Station car", "Farm drill", "Old farm car"}
    assert names(hub=world["other_hub"].id) == {"Farm drill", "Old farm car"}
    assert names(category=world["cars"].id) == {"Station car", "Old farm car"}
    assert names(status="retired") == {"Old farm car"}
    assert names(hub=world["other_hub"].id, status="active") == {"Farm drill"}
    assert client.get("/manage/assets", query_string={"status": "lost"}).status_code == 422


def test_unknown_asset_is_404(client, session, world):
    assert client.get("/manage/assets/424242/edit").status_code == 404
    assert client.post("/manage/assets/424242/edit", data=good(world)).status_code == 404
    assert client.post("/manage/assets/424242/retire").status_code == 404
    assert assets(session) == 0
