"""Pools: who belongs to and coordinates which pool, and the checks coordinator services make with it."""
from __future__ import annotations

import pytest

from fleet.catalogue.assets import create_asset
from fleet.catalogue.hubs import create_hub, get_coordinated_hub
from fleet.core.db import utcnow
from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.members.pools import (
    coordinated_pool_ids, member_pool_ids, pool_for_new_object, require_object_pool, require_pool_coordinator,
    visible_pool_ids,
)
from fleet.models import PoolRole, Role


@pytest.fixture
def two_pools(make):
    village, farm = make.pool(), make.pool("farm")
    return {
        "village": village, "farm": farm,
        "village_coordinator": make.member(Role.coordinator, pool=village),
        "farm_coordinator": make.member(Role.coordinator, pool=farm),
        "farmer": make.member(pool=farm),
        "admin": make.member(Role.admin),
    }


def test_membership_decides_which_pools_a_member_sees_and_coordinates(session, make, two_pools):
    w = two_pools
    village, farm = w["village"].id, w["farm"].id
    assert coordinated_pool_ids(session, w["village_coordinator"]) == {village}
    assert coordinated_pool_ids(session, w["farm_coordinator"]) == {farm}
    assert coordinated_pool_ids(session, w["farmer"]) == set() and member_pool_ids(session, w["farmer"]) == {farm}
    assert coordinated_pool_ids(session, w["admin"]) == {village, farm} == member_pool_ids(session, w["admin"])
    assert w["farm_coordinator"].is_coordinator and not w["farmer"].is_coordinator
    assert visible_pool_ids(session, None) == {village, farm}
    w["farm"].public = False
    assert visible_pool_ids(session, None) == {village}


def test_another_pools_object_looks_missing_and_another_pool_is_refused(session, make, two_pools):
    w = two_pools
    farm_hub = make.hub(pool=w["farm"])
    missing = NotFound("No such hub.")
    require_object_pool(session, w["farm_coordinator"], farm_hub.pool_id, missing)
    require_object_pool(session, w["admin"], farm_hub.pool_id, missing)
    with pytest.raises(NotFound):
        require_object_pool(session, w["village_coordinator"], farm_hub.pool_id, missing)
    with pytest.raises(NotFound):
        get_coordinated_hub(session, w["village_coordinator"], farm_hub.id)
    with pytest.raises(Forbidden):  # a member who coordinates nothing: 403 as before pools
        get_coordinated_hub(session, w["farmer"], farm_hub.id)
    with pytest.raises(Forbidden):
        require_pool_coordinator(session, w["village_coordinator"], w["farm"].id)


def test_a_new_hub_goes_into_a_pool_the_coordinator_coordinates(session, make, two_pools):
    w = two_pools
    fields = dict(lat=52.1, lon=5.1, timezone="Europe/Amsterdam")
    assert create_hub(session, w["farm_coordinator"], name="Barn", **fields).pool_id == w["farm"].id
    with pytest.raises(Forbidden):
        create_hub(session, w["village_coordinator"], name="Shed", pool_id=w["farm"].id, **fields)
    with pytest.raises(ValidationFailed):  # the admin coordinates two pools: they must say which
        pool_for_new_object(session, w["admin"], None)
    with pytest.raises(ValidationFailed):
        pool_for_new_object(session, w["admin"], 999999)
    both = make.member(Role.coordinator, pool=w["farm"])
    from fleet.members.pools import join_pool
    join_pool(session, both, w["village"].id, PoolRole.coordinator)
    with pytest.raises(ValidationFailed):
        create_hub(session, both, name="Either", **fields)


def test_an_assets_hub_and_category_are_in_one_pool(session, make, two_pools):
    w = two_pools
    farm_category, village_hub = make.category(pool=w["farm"]), make.hub(pool=w["village"])
    with pytest.raises(ValidationFailed) as refused:
        create_asset(session, w["admin"], now=utcnow(), name="Tractor", category_id=farm_category.id,
                     hub_id=village_hub.id, capabilities={})
    assert refused.value.field == "hub_id" and "another pool" in refused.value.message
    with pytest.raises(ValidationFailed):  # the village's coordinator does not see the farm's category
        create_asset(session, w["village_coordinator"], now=utcnow(), name="Tractor", category_id=farm_category.id,
                     hub_id=village_hub.id, capabilities={})


def test_coordinators_hear_only_of_their_own_pool(session, make, two_pools):
    from sqlalchemy import select

    from fleet.booking.handover import report_damage
    from fleet.models import Notification

    w = two_pools
    tractor = make.asset(make.category(pool=w["farm"]), make.hub(pool=w["farm"]), name="Tractor")
    report_damage(session, w["farmer"], tractor.id, utcnow(), description="Flat tyre")
    told = set(session.scalars(select(Notification.member_id).where(Notification.kind == "damage_reported")))
    assert told == {w["farm_coordinator"].id, w["admin"].id}
    with pytest.raises(NotFound):  # a villager does not report on (or learn of) the farm's tractor
        report_damage(session, w["village_coordinator"], tractor.id, utcnow(), description="?")


def test_a_proposal_is_put_to_its_pools_members_only(session, make, two_pools):
    from fleet.governance.proposals import open_proposal, visible_proposal
    from fleet.governance.votes import cast_vote

    w = two_pools
    villager = make.member(pool=w["village"])
    farm_hub = make.hub(pool=w["farm"])
    proposal = open_proposal(session, w["farmer"], utcnow(), kind="free_text", title="A second baler",
                             hub_id=farm_hub.id)
    assert proposal.pool_id == w["farm"].id
    cast_vote(session, w["farmer"], proposal.id, "yes", "", utcnow())
    with pytest.raises(NotFound):
        cast_vote(session, villager, proposal.id, "yes", "", utcnow())
    with pytest.raises(NotFound):
        visible_proposal(session, villager, proposal.id)
    with pytest.raises(ValidationFailed):  # another pool's hub is not one to choose: the proposal is not put there
        open_proposal(session, villager, utcnow(), kind="free_text", title="Sell it", hub_id=farm_hub.id)


def test_two_pools_may_each_have_a_hub_and_a_category_of_the_same_name(session, make):
    from fleet.catalogue.categories import create_category
    from fleet.catalogue.hubs import create_hub
    from fleet.core.errors import Conflict
    from fleet.models import Role

    admin = make.member(Role.admin)
    farm = make.pool("farm", name="Farm co-op")
    fields = dict(name="Trailers", kind="machine", description="", min_duration_minutes=60,
                  max_duration_minutes=1440, min_notice_minutes=0, max_advance_days=30, approval_required=False,
                  capability_schema={})
    for pool in (make.pool(), farm):
        create_category(session, admin, pool_id=pool.id, **fields)
        create_hub(session, admin, name="Town hall", lat=52.1, lon=5.1, timezone="Europe/Amsterdam", pool_id=pool.id)
    with pytest.raises(Conflict):
        create_category(session, admin, pool_id=farm.id, **fields)
    with pytest.raises(Conflict):
        create_hub(session, admin, name="Town hall", lat=52.1, lon=5.1, timezone="Europe/Amsterdam", pool_id=farm.id)
