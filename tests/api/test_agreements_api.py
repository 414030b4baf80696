"""Lending agreements through the API (/api/v1/agreements): the farm co-op offers its trailers, the village
accepts, a villager finds the trailer (pool named, via agreement) and books it; the co-op's coordinator sees the
booking; after the end the same booking is refused. Bad offers are 4xx and write nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import LendingAgreement, Role
from tests.agreement_world import two_pools
from tests.api.conftest import Api
from tests.helpers import at


def z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture
def w(make, session):
    return two_pools(make)


@pytest.fixture
def apis(app, session, w):
    made = {name: Api(app.test_client(), issue_token(session, m, "test", utcnow())[0])
            for name, m in (("villager", w.villager), ("farm", w.farm_coordinator),
                            ("village", w.village_coordinator), ("farmer", w.farmer))}
    session.commit()
    return made


def book_trailer(api, w, day: int):
    return api.post("/bookings", json={"asset_id": w.trailer.id, "start": z(at(day, 9)), "end": z(at(day, 12))})


def test_the_village_books_the_farms_trailer_through_the_api(apis, w):
    villager, farm, village = apis["villager"], apis["farm"], apis["village"]
    assert [a["name"] for a in villager.get("/assets").json["items"]] == []
    refused = book_trailer(villager, w, 2)
    assert refused.status_code == 403 and "Farm co-op" in refused.json["detail"]

    offered = farm.post("/agreements", json={"borrower_pool_id": w.village.id, "category_ids": [w.trailers.id]},
                        headers={"Idempotency-Key": "offer-1"})
    assert offered.status_code == 201, offered.json
    agreement = offered.json
    assert agreement["status"] == "offered" and agreement["lender"]["slug"] == "farm"
    assert agreement["categories"] == [{"id": w.trailers.id, "name": "Trailers"}]
    assert farm.post(f"/agreements/{agreement['id']}/accept").status_code == 403  # the lender does not accept
    accepted = village.post(f"/agreements/{agreement['id']}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "active"
    assert village.get(f"/agreements/{agreement['id']}").json["status"] == "active"
    assert [a["id"] for a in farm.get("/agreements").json["items"]] == [agreement["id"]]

    hits = villager.get("/assets", query_string={"near": "52.09,5.12"}).json["items"]
    assert [(h["name"], h["pool"]["name"], h["via_agreement"]) for h in hits] == [
        ("Farm trailer", "Farm co-op", True)]
    assert apis["farmer"].get("/assets").json["items"][0]["via_agreement"] is False
    booked = book_trailer(villager, w, 2)
    assert booked.status_code == 201 and booked.json["status"] == "confirmed"
    seen = farm.get("/bookings", query_string={"asset_id": w.trailer.id}).json["items"]
    assert [b["id"] for b in seen] == [booked.json["id"]]

    ended = village.post(f"/agreements/{agreement['id']}/end")
    assert ended.status_code == 200 and ended.json["status"] == "ended"
    assert book_trailer(villager, w, 3).status_code == 403
    assert village.post(f"/agreements/{agreement['id']}/end").status_code == 409


def test_members_and_other_pools_get_nothing(apis, make, session, w):
    offered = apis["farm"].post("/agreements", json={"borrower_pool_id": w.village.id,
                                                     "category_ids": [w.trailers.id]}).json
    outsider = make.member(Role.coordinator, pool=make.pool("bikes"))
    outsider_api = Api(apis["farm"].client.application.test_client(), issue_token(session, outsider, "t", utcnow())[0])
    session.commit()
    assert outsider_api.get(f"/agreements/{offered['id']}").status_code == 404
    assert outsider_api.post(f"/agreements/{offered['id']}/end").status_code == 404
    assert outsider_api.get("/agreements").json["items"] == []
    assert apis["villager"].get("/agreements").status_code == 403
    assert apis["villager"].get(f"/agreements/{offered['id']}").status_code == 403


@pytest.mark.parametrize("body, status", [
    ({"borrower_pool_id": 999999, "category_ids": ["trailers"]}, 422),
    ({"borrower_pool_id": "farm", "category_ids": ["trailers"]}, 422),
    ({"borrower_pool_id": "village", "category_ids": ["tractors-of-village"]}, 422),
    ({"borrower_pool_id": "village", "category_ids": []}, 422),
    ({"borrower_pool_id": "village", "category_ids": ["trailers"], "max_at_once": 0}, 422),
    ({"borrower_pool_id": "village", "category_ids": ["trailers"], "status": "active"}, 422),
    ({"borrower_pool_id": "village", "category_ids": ["trailers"], "lender_pool_id": "village"}, 403),
])
def test_bad_offers_are_4xx_and_write_nothing(apis, make, session, w, body, status):
    drills = make.category(name="Drills", pool=w.village)
    session.commit()
    names = {"farm": w.farm.id, "village": w.village.id, "trailers": w.trailers.id, "tractors-of-village": drills.id}
    body = {k: ([names.get(i, i) for i in v] if isinstance(v, list) else names.get(v, v)) for k, v in body.items()}
    answer = apis["farm"].post("/agreements", json=body)
    assert answer.status_code == status, answer.json
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert session.scalar(select(func.count()).select_from(LendingAgreement)) == 0


def test_a_second_open_agreement_between_two_pools_is_a_conflict(apis, w):
    body = {"borrower_pool_id": w.village.id, "category_ids": [w.trailers.id]}
    assert apis["farm"].post("/agreements", json=body).status_code == 201
    assert apis["farm"].post("/agreements", json={**body, "category_ids": [w.tractors.id]}).status_code == 409
