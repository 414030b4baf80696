"""`flask demo load --pools 3`: three pools, each with its coordinator; the demo member in the village only."""
from __future__ import annotations

from sqlalchemy import select

from fleet.booking.availability import AssetQuery, search_assets
from fleet.core.db import utcnow
from fleet.demo import COORDINATOR_EMAIL, MEMBER_EMAIL
from fleet.demo_pools import coordinator_email, load_demo_pools
from fleet.members.pools import coordinated_pool_ids, member_pool_ids
from fleet.models import Member, Pool


def test_three_pools_each_with_its_coordinator(session):
    result = load_demo_pools(session, utcnow(), pools=3)
    assert result.created
    pools = {p.slug: p for p in session.scalars(select(Pool))}
    assert set(pools) == {"default", "farm", "cargo"} and pools["default"].name == "Village tool library"
    by_email = {m.email: m for m in session.scalars(select(Member))}
    assert coordinated_pool_ids(session, by_email[coordinator_email("farm")]) == {pools["farm"].id}
    assert coordinated_pool_ids(session, by_email[coordinator_email("cargo")]) == {pools["cargo"].id}
    assert coordinated_pool_ids(session, by_email[COORDINATOR_EMAIL]) == {pools["default"].id}
    demo_member = by_email[MEMBER_EMAIL]
    assert member_pool_ids(session, demo_member) == {pools["default"].id}
    found = search_assets(session, AssetQuery(pool_ids=member_pool_ids(session, demo_member)))
    assert "Fendt 311 tractor" not in {hit.asset.name for hit in found.hits}
    everyone = search_assets(session, AssetQuery(text="tractor", pool_ids={pools["farm"].id}))
    assert {hit.asset.name for hit in everyone.hits} == {"Fendt 311 tractor", "Deutz 5080 tractor"}
    assert {login[1] for login in result.logins} >= {coordinator_email("farm"), coordinator_email("cargo")}
