"""A village pool and a farm co-op 2 km away with a trailer, for the lending agreement tests (domain, web, API)."""
from __future__ import annotations

from dataclasses import dataclass

from fleet.booking.lending_agreements import accept_agreement, offer_agreement
from fleet.models import Asset, Category, Hub, LendingAgreement, Member, Pool, Role
from tests.helpers import at

NOW = at(0, 6)


@dataclass
class TwoPools:
    village: Pool
    farm: Pool
    village_hub: Hub
    farm_hub: Hub
    trailers: Category  # the farm's
    tractors: Category  # the farm's, never lent
    trailer: Asset
    tractor: Asset
    village_coordinator: Member
    farm_coordinator: Member
    villager: Member
    farmer: Member


def two_pools(make) -> TwoPools:
    village, farm = make.pool("village", name="Village tool library"), make.pool("farm", name="Farm co-op")
    village_hub = make.hub(name="Village hall", lat=52.090, lon=5.120, pool=village)
    farm_hub = make.hub(name="Farm yard", lat=52.108, lon=5.120, pool=farm)  # 2 km north
    trailers = make.category(name="Trailers", pool=farm, capability_schema={})
    tractors = make.category(name="Tractors", pool=farm, capability_schema={})
    return TwoPools(
        village=village, farm=farm, village_hub=village_hub, farm_hub=farm_hub, trailers=trailers, tractors=tractors,
        trailer=make.asset(trailers, farm_hub, name="Farm trailer", capabilities={}),
        tractor=make.asset(tractors, farm_hub, name="Old tractor", capabilities={}),
        village_coordinator=make.member(Role.coordinator, pool=village, email="coord@village.example"),
        farm_coordinator=make.member(Role.coordinator, pool=farm, email="coord@farm.example"),
        villager=make.member(pool=village, email="villager@village.example"),
        farmer=make.member(pool=farm, email="farmer@farm.example"),
    )


def lend_trailers(session, w: TwoPools, **terms) -> LendingAgreement:
    """The farm offers its trailers to the village, the village accepts."""
    agreement = offer_agreement(session, w.farm_coordinator, lender_pool_id=w.farm.id, borrower_pool_id=w.village.id,
                                category_ids=[w.trailers.id], now=NOW, **terms)
    return accept_agreement(session, w.village_coordinator, agreement.id, NOW)
