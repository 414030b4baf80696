"""Pool administration, web and API: the administrator makes pools, a pool's coordinators manage who belongs;
bad input (a taken short name, an empty name, an unknown member) is refused with a 4xx and writes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import Pool, PoolMembership, PoolRole, Role
from tests.api.conftest import Api
from tests.helpers import login


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_the_admin_makes_a_pool_and_names_its_coordinator_in_the_api(app, session, make):
    admin = make.member(Role.admin, email="admin@example.org")
    farmer = make.member(email="farmer@example.org")
    token = issue_token(session, admin, "t", utcnow())[0]
    session.commit()
    api = Api(app.test_client(), token)
    made = api.post("/pools", json={"slug": "farm", "name": "Farm co-op", "description": "Tractors"})
    assert made.status_code == 201, made.json
    pool_id = made.json["id"]
    r = app.test_client().put(f"/api/v1/pools/{pool_id}/members/{farmer.id}", json={"role": "coordinator"},
                              headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["role"] == "coordinator"
    session.expire_all()
    assert farmer.coordinates_pool(pool_id)
    farmer_token = issue_token(session, farmer, "t", utcnow())[0]
    session.commit()
    farmer_api = Api(app.test_client(), farmer_token)
    assert {p["slug"] for p in farmer_api.get("/pools").json["items"]} == {"default", "farm"}
    assert farmer_api.patch(f"/pools/{pool_id}", json={"name": "Farm machinery co-op"}).status_code == 200
    assert farmer_api.post("/pools", json={"slug": "mine", "name": "Mine"}).status_code == 403


def test_bad_pool_input_is_refused_and_writes_nothing(app, session, make):
    admin = make.member(Role.admin, email="admin@example.org")
    token = issue_token(session, admin, "t", utcnow())[0]
    session.commit()
    api = Api(app.test_client(), token)
    pools_before = _count(session, Pool)
    assert api.post("/pools", json={"slug": "default", "name": "Again"}).status_code == 409  # taken short name
    assert api.post("/pools", json={"slug": "x-pool", "name": "   "}).status_code == 422  # empty name
    assert api.post("/pools", json={"slug": "Bad Slug!", "name": "Bad"}).status_code == 422
    assert _count(session, Pool) == pools_before
    pool_id = session.scalar(select(Pool.id).where(Pool.slug == "default"))
    memberships_before = _count(session, PoolMembership)
    client = app.test_client()
    r = client.put(f"/api/v1/pools/{pool_id}/members/999999", json={"role": "member"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422  # unknown member
    r = client.put(f"/api/v1/pools/{pool_id}/members/{admin.id}", json={"role": "boss"},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 422
    assert _count(session, PoolMembership) == memberships_before


def test_pool_pages_for_the_admin_and_the_pools_coordinator(client, session, make):
    make.member(Role.admin, email="admin@example.org")
    newcomer = make.member(email="newcomer@example.org", name="Nora Newcomer")
    session.commit()
    login(client, "admin@example.org")
    assert client.get("/manage/pools").status_code == 200
    r = client.post("/manage/pools", data={"slug": "bikes", "name": "Cargo bikes", "public": "on"})
    assert r.status_code == 302
    pool = session.scalar(select(Pool).where(Pool.slug == "bikes"))
    bad = client.post("/manage/pools", data={"slug": "bikes", "name": "Again"})
    assert bad.status_code == 409 and _count(session, Pool) == 2
    empty = client.post("/manage/pools", data={"slug": "other", "name": ""})
    assert empty.status_code == 422 and _count(session, Pool) == 2
    unknown = client.post(f"/manage/pools/{pool.id}/members", data={"email": "nobody@example.org", "role": "member"})
    assert unknown.status_code == 422
    added = client.post(f"/manage/pools/{pool.id}/members",
                        data={"email": "newcomer@example.org", "role": "coordinator"})
    assert added.status_code == 302
    page = client.get(f"/manage/pools/{pool.id}").get_data(as_text=True)
    assert "Nora Newcomer" in page
    session.expire_all()
    assert newcomer.coordinates_pool(pool.id)
    assert session.scalar(select(PoolMembership.role).where(PoolMembership.pool_id == pool.id,
                                                           PoolMembership.member_id == newcomer.id)) \
        == PoolRole.coordinator
