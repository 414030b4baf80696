"""A network of pools on one installation (`flask demo load --pools 3`): the village tool library (the demo
community of fleet/demo.py), a farm-machinery co-op with tractors, a trailer and a hay baler near the village,
and a cargo-bike pool. Each pool has its coordinator and members; some villagers belong to a second pool too,
the demo member to the village only. Deterministic, flush only."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.demo import DEMO_DOMAIN, DEMO_PASSWORD, MEMBER_EMAIL, TOWN_ZONE, DemoResult, load_demo
from fleet.members.pools import default_pool
from fleet.models import (
    AgreementStatus, Asset, AssetStatus, Category, CategoryKind, Hub, LendingAgreement, Member, MeterUnit, Pool,
    PoolMembership, PoolRole, Role,
)

VILLAGE_NAME = "Village tool library"


@dataclass(frozen=True)
class _PoolSpec:
    slug: str
    name: str
    description: str
    hubs: tuple[tuple[str, str, float, float, str], ...]          # name, address, lat, lon, opening hours
    categories: tuple[tuple[str, CategoryKind, int, dict], ...]   # name, kind, longest booking (h), schema
    assets: tuple[tuple[str, str, int, dict, int], ...]           # name, category, hub index, caps, cost EUR
    members: int                                                  # villagers who join it too


POOLS = (
    _PoolSpec(
        "farm", "Farm-machinery co-op", "Tractors, a trailer and a hay baler shared by the farms around the village.",
        hubs=(("Co-op machine shed", "Koningsweg 190, Utrecht", 52.0795, 5.1655, "Mon-Sat 07:00-19:00"),),
        categories=(("Co-op tractors", CategoryKind.machine, 72, {"hp": "number", "front_loader": "bool"}),
                    ("Co-op trailers", CategoryKind.machine, 72, {"payload_kg": "number"}),
                    ("Hay balers", CategoryKind.machine, 48, {"bale": "text"})),
        assets=(("Fendt 311 tractor", "Co-op tractors", 0, {"hp": 110, "front_loader": True}, 68000),
                ("Deutz 5080 tractor", "Co-op tractors", 0, {"hp": 80, "front_loader": False}, 52000),
                ("Tipping trailer 8 t", "Co-op trailers", 0, {"payload_kg": 8000}, 14000),
                ("Round baler", "Hay balers", 0, {"bale": "round"}, 31000)),
        members=25),
    _PoolSpec(
        "cargo", "Cargo-bike pool", "Electric cargo bikes at two stations in town.",
        hubs=(("Cargo station Centraal", "Stationsplein 1, Utrecht", 52.0894, 5.1100, "24/7"),
              ("Cargo station Oost", "Biltstraat 100, Utrecht", 52.0945, 5.1340, "24/7")),
        categories=(("E-cargo bikes", CategoryKind.vehicle, 48, {"children_seats": "number", "electric": "bool"}),),
        assets=(("Urban Arrow #1", "E-cargo bikes", 0, {"children_seats": 2, "electric": True}, 5200),
                ("Urban Arrow #2", "E-cargo bikes", 1, {"children_seats": 2, "electric": True}, 5200),
                ("Bakfiets classic", "E-cargo bikes", 1, {"children_seats": 2, "electric": False}, 2400),
                ("Babboe Curve", "E-cargo bikes", 0, {"children_seats": 4, "electric": True}, 4300)),
        members=40),
)


def coordinator_email(slug: str) -> str:
    return f"coordinator@{slug}.{DEMO_DOMAIN}"


def load_demo_pools(session: Session, now: datetime, pools: int = 3, seed: int = 2026) -> DemoResult:
    """The village demo, then `pools` - 1 more pools beside it (at most len(POOLS) more)."""
    result = load_demo(session, now, seed=seed)
    if not result.created or pools <= 1:
        return result
    rng = random.Random(seed)
    village = default_pool(session)
    village.name = VILLAGE_NAME
    villagers = list(session.scalars(select(Member).where(Member.role == Role.member, Member.email != MEMBER_EMAIL)
                                     .order_by(Member.id)))
    template = session.scalar(select(Member).where(Member.email == MEMBER_EMAIL))
    logins = list(result.logins)
    lent = {}
    for spec in POOLS[:pools - 1]:
        pool = Pool(slug=spec.slug, name=spec.name, description=spec.description, public=True,
                    created_at=now - timedelta(days=400))
        session.add(pool)
        session.flush()
        hubs = [Hub(pool_id=pool.id, name=name, address=address, lat=lat, lon=lon, timezone=TOWN_ZONE,
                    opening_hours=hours) for name, address, lat, lon, hours in spec.hubs]
        categories = {name: Category(pool_id=pool.id, name=name, kind=kind, description="", min_duration_minutes=60,
                                     max_duration_minutes=hours * 60, min_notice_minutes=0, max_advance_days=90,
                                     approval_required=kind == CategoryKind.machine, capability_schema=schema)
                      for name, kind, hours, schema in spec.categories}
        session.add_all(hubs + list(categories.values()))
        session.flush()
        for name, category, hub, caps, cost in spec.assets:
            unit = MeterUnit.hours if categories[category].kind == CategoryKind.machine else MeterUnit.km
            session.add(Asset(name=name, category_id=categories[category].id, hub_id=hubs[hub].id,
                              capabilities=caps, status=AssetStatus.active, purchase_cost_minor=cost * 100,
                              currency="EUR", meter_unit=unit, created_at=now - timedelta(days=300)))
        coordinator = Member(email=coordinator_email(spec.slug), name=f"{spec.name} coordinator",
                             password_hash=template.password_hash, role=Role.coordinator, active=True,
                             home_lat=spec.hubs[0][2], home_lon=spec.hubs[0][3], created_at=now - timedelta(days=400))
        session.add(coordinator)
        session.flush()
        session.add(PoolMembership(pool_id=pool.id, member_id=coordinator.id, role=PoolRole.coordinator,
                                   created_at=coordinator.created_at))
        for member in rng.sample(villagers, min(spec.members, len(villagers))):
            session.add(PoolMembership(pool_id=pool.id, member_id=member.id, role=PoolRole.member,
                                       created_at=now - timedelta(days=rng.randint(10, 300))))
        logins.append((f"{spec.slug} coord.", coordinator.email, DEMO_PASSWORD))
        if spec.slug == "farm":
            lent = {"pool": pool, "coordinator": coordinator, "categories": [categories["Co-op trailers"]]}
        result.hubs += len(hubs)
        result.categories += len(categories)
        result.assets += len(spec.assets)
        result.members += 1
    session.flush()
    if lent:
        _lend_to_the_village(session, village, now, **lent)
    result.logins = logins
    return result


def _lend_to_the_village(session: Session, village: Pool, now: datetime, *, pool: Pool, coordinator: Member,
                         categories: list[Category]) -> LendingAgreement:
    """The co-op lends its trailers to the village tool library's members, without asking each time (an active
    lending agreement, fleet/booking/lending_agreements.py): what is heavy is near."""
    accepted_by = session.scalar(select(PoolMembership.member_id).where(
        PoolMembership.pool_id == village.id, PoolMembership.role == PoolRole.coordinator)
        .order_by(PoolMembership.member_id).limit(1))
    agreement = LendingAgreement(lender_pool_id=pool.id, borrower_pool_id=village.id,
                                 status=AgreementStatus.active, requires_approval=False, created_by_id=coordinator.id,
                                 created_at=now - timedelta(days=60), accepted_by_id=accepted_by,
                                 accepted_at=now - timedelta(days=59), updated_at=now - timedelta(days=59),
                                 categories=categories)
    session.add(agreement)
    session.flush()
    return agreement
