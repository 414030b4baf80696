"""Search across pools: a member of two pools finds both pools' assets, nearest first, each named with its pool;
a member of one pool finds only that pool's; booking in a pool one does not belong to is refused with a reason."""
from __future__ import annotations

import pytest

from fleet.core.db import utcnow
from fleet.members.pools import join_pool
from fleet.members.tokens import issue_token
from fleet.models import Role
from tests.api.conftest import Api
from tests.helpers import at, login


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def network(make, session):
    village, farm = make.pool(), make.pool("farm", name="Farm co-op")
    near_hub = make.hub(name="Village square", lat=52.090, lon=5.120, pool=village)
    far_hub = make.hub(name="Farm yard", lat=52.120, lon=5.200, pool=farm)
    mid_hub = make.hub(name="Farm gate", lat=52.095, lon=5.125, pool=farm)
    tools, machines = make.category(name="Tools", pool=village), make.category(name="Machines", pool=farm)
    drill = make.asset(tools, near_hub, name="Drill")
    tractor = make.asset(machines, far_hub, name="Tractor")
    baler = make.asset(machines, mid_hub, name="Hay baler")
    both = make.member(email="both@example.org", pool=village, home_lat=52.090, home_lon=5.120)
    join_pool(session, both, farm.id)
    villager = make.member(email="villager@example.org", pool=village, home_lat=52.090, home_lon=5.120)
    make.member(Role.coordinator, email="farm-coord@example.org", pool=farm)
    tokens = {m.email: issue_token(session, m, "t", utcnow())[0] for m in (both, villager)}
    session.commit()
    return dict(village=village, farm=farm, drill=drill, tractor=tractor, baler=baler, tokens=tokens)


def test_a_member_of_two_pools_finds_both_nearest_first_with_the_pool_named(app, network):
    api = Api(app.test_client(), network["tokens"]["both@example.org"])
    items = api.get("/assets", query_string={"near": "52.090,5.120"}).json["items"]
    assert [a["name"] for a in items] == ["Drill", "Hay baler", "Tractor"]
    assert [a["pool"]["slug"] for a in items] == ["default", "farm", "farm"]
    assert items[1]["pool"]["name"] == "Farm co-op"


def test_a_member_of_one_pool_finds_only_its_assets(app, network):
    api = Api(app.test_client(), network["tokens"]["villager@example.org"])
    assert [a["name"] for a in api.get("/assets").json["items"]] == ["Drill"]
    assert {h["name"] for h in api.get("/hubs").json["items"]} == {"Village square"}


def test_booking_in_a_pool_one_does_not_belong_to_is_refused_with_a_reason(app, session, network):
    api = Api(app.test_client(), network["tokens"]["villager@example.org"])
    r = api.post("/bookings", json={"asset_id": network["tractor"].id, "start": z(at(2, 9)), "end": z(at(2, 12))})
    assert r.status_code == 403, r.json
    assert "Farm co-op" in r.json["detail"] and "only in the pools" in r.json["detail"]
    from sqlalchemy import func, select

    from fleet.models import Booking
    assert session.scalar(select(func.count(Booking.id))) == 0
    both = Api(app.test_client(), network["tokens"]["both@example.org"])
    ok = both.post("/bookings", json={"asset_id": network["tractor"].id, "start": z(at(2, 9)), "end": z(at(2, 12))})
    assert ok.status_code == 201, ok.json


def test_the_web_search_names_the_pool_of_each_result(client, network):
    login(client, "both@example.org")
    page = client.get("/assets").get_data(as_text=True)
    assert "Farm co-op" in page and "Tractor" in page and "Drill" in page
    login(client, "villager@example.org")
    page = client.get("/assets").get_data(as_text=True)
    assert "Drill" in page and "Tractor" not in page
