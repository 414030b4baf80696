"""Asset types in the web UI: the asset form and the CSV import set them, search filters by them, a flexible
request asks for a type or any of several, and a type the category lacks is an error beside the field."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fleet.models import Asset, FlexibleRequest, RequestStatus, Role
from tests.helpers import at, login

AMS = ZoneInfo("Europe/Amsterdam")


def local_input(instant: datetime) -> str:
    return instant.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def tools(make, session):
    hub = make.hub(name="Workshop", opening_hours="24/7")
    power = make.category(name="Power tools", capability_schema={"watts": "number"}, min_duration_minutes=60)
    drill = make.asset(power, hub, name="Hammer drill", asset_type="hammer drill", capabilities={"watts": 900})
    jigsaw = make.asset(power, hub, name="Jigsaw", asset_type="jigsaw", capabilities={"watts": 650})
    make.member(Role.coordinator, email="coord@example.org")
    make.member(email="me@example.org", name="Mia")
    session.commit()
    return dict(hub=hub, power=power, drill=drill, jigsaw=jigsaw)


def ask(tools, **changes) -> dict:
    data = {"category_id": tools["power"].id, "earliest_start": local_input(at(2, 8)),
            "latest_end": local_input(at(2, 12)), "duration_h": "2", "duration_m": "0", "cap_watts": "600",
            "max_distance_km": "", "lat": "", "lon": "", "preferred_asset_id": "", "note": ""}
    data.update(changes)
    return data


def test_a_member_asks_for_a_jigsaw_and_gets_it(client, session, tools):
    login(client, "me@example.org")
    page = client.get(f"/requests/new?category={tools['power'].id}").get_data(as_text=True)
    assert 'name="type" value="hammer drill"' in page and 'name="type" value="jigsaw"' in page
    r = client.post("/requests/new", data=ask(tools, type="jigsaw"))
    assert r.status_code == 302
    request = session.scalar(select(FlexibleRequest))
    assert request.status == RequestStatus.assigned and request.booking.asset_id == tools["jigsaw"].id
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "jigsaw" in detail


def test_a_type_the_category_lacks_is_an_error_beside_the_field(client, session, tools):
    login(client, "me@example.org")
    r = client.post("/requests/new", data=ask(tools, type="band saw", note="keep me"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "has no asset of type" in html and 'id="type-error"' in html
    assert "keep me" in html
    assert session.scalar(select(func.count()).select_from(FlexibleRequest)) == 0


def test_search_by_type(client, session, tools):
    html = client.get(f"/assets?category={tools['power'].id}&type=jigsaw").get_data(as_text=True)
    results = html.split("<tbody>")[1]
    assert "Jigsaw" in results and "Hammer drill" not in results and "Power tools · jigsaw" in results
    bad = client.get(f"/assets?category={tools['power'].id}&type=lathe")
    assert bad.status_code == 400 and 'id="type-error"' in bad.get_data(as_text=True)


def test_the_asset_form_and_the_import_set_the_type(client, session, tools):
    login(client, "coord@example.org")
    page = client.get(f"/manage/assets/{tools['drill'].id}/edit").get_data(as_text=True)
    assert 'name="asset_type"' in page and 'value="hammer drill"' in page
    r = client.post(f"/manage/assets/{tools['drill'].id}/edit", data={
        "category_id": tools["power"].id, "hub_id": tools["hub"].id, "name": "Hammer drill", "status": "active",
        "asset_type": "SDS drill", "cap_watts": "900", "currency": "EUR"})
    assert r.status_code == 302, r.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(tools["drill"]), tools["drill"].id).asset_type == "SDS drill"
    csv_text = "name,category,hub,type,cap_watts\nBand saw,Power tools,Workshop,band saw,750\n"
    assert client.post("/manage/assets/import", data={"action": "apply", "csv": csv_text}).status_code == 302
    assert session.scalar(select(Asset).where(Asset.name == "Band saw")).asset_type == "band saw"
