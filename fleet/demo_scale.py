"""The demo community at a co-op's real size: `load_scaled_demo(session, now, scale=N)` is the demo (fleet/demo.py)
and N - 1 copies of its town beside it (hubs a few km further out, the same catalogue at each, as many members),
with a year of bookings on every asset. For benchmarks and trying the pages with real volumes; flush only.

The copies and the history are bulk inserted (one statement per few thousand rows), never overlapping and
inside each hub's opening hours, so the checks a member meets hold for them too.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from fleet.core.opening_hours import parse_opening_hours
from fleet.demo import DEMO_DOMAIN, DemoResult, load_demo
from fleet.members.pools import default_pool
from fleet.models import Asset, AssetStatus, Booking, BookingStatus, Hub, Member, PoolMembership, PoolRole, Role

HISTORY_DAYS = 365
FUTURE_DAYS = 30
COPY_RING_KM = 6.0  # each copy's hubs sit on a ring this far from the town, one copy per direction
BATCH = 5000


@dataclass
class ScaleResult:
    demo: DemoResult
    hubs: int = 0
    assets: int = 0
    members: int = 0
    bookings: int = 0


def load_scaled_demo(session: Session, now: datetime, scale: int = 1, seed: int = 2026,
                     history_days: int = HISTORY_DAYS) -> ScaleResult:
    """The demo (does nothing when it is already there), then with scale > 1 the copies; a year of bookings
    before the demo's own months either way when scale > 1. Returns what it added."""
    if scale < 1:
        raise ValueError("scale is at least 1")
    demo = load_demo(session, now, seed=seed)
    result = ScaleResult(demo)
    if not demo.created or scale == 1:
        return result
    rng = random.Random(seed + scale)
    session.flush()
    base_hubs = list(session.scalars(select(Hub).order_by(Hub.id)))
    base_assets = list(session.scalars(select(Asset).where(Asset.status == AssetStatus.active).order_by(Asset.id)))
    template = session.scalar(select(Member).where(Member.role == Role.member).order_by(Member.id))
    member_count = session.scalar(select(func.count()).select_from(Member))
    first_demo = session.scalar(select(func.min(Booking.start_at))) or now
    new_asset_ids: list[int] = []
    for copy in range(1, scale):
        hub_ids = _copy_hubs(session, base_hubs, copy, scale)
        result.hubs += len(hub_ids)
        rows = [dict(name=a.name, description=a.description, category_id=a.category_id, hub_id=hub_ids[a.hub_id],
                     capabilities=dict(a.capabilities or {}), asset_type=a.asset_type, status=AssetStatus.active,
                     purchase_cost_minor=a.purchase_cost_minor, currency=a.currency, purchase_date=a.purchase_date,
                     meter_unit=a.meter_unit, created_at=a.created_at) for a in base_assets]
        ids = list(session.scalars(insert(Asset).returning(Asset.id), rows))
        new_asset_ids += ids
        result.assets += len(ids)
        result.members += _copy_members(session, template, member_count, copy, rng)
    member_ids = list(session.scalars(select(Member.id).where(Member.active.is_(True))))
    # The demo's own assets get the year before their three months; the copies a year up to a month ahead.
    history = [(a.id, first_demo - timedelta(days=history_days), first_demo) for a in base_assets]
    history += [(i, now - timedelta(days=history_days), now + timedelta(days=FUTURE_DAYS)) for i in new_asset_ids]
    result.bookings = _bookings(session, history, member_ids, now, rng)
    return result


def _copy_hubs(session: Session, base_hubs: list[Hub], copy: int, scale: int) -> dict[int, int]:
    angle = 2 * math.pi * (copy - 1) / max(scale - 1, 1)
    north_km, east_km = COPY_RING_KM * math.sin(angle), COPY_RING_KM * math.cos(angle)
    mapping = {}
    for hub in base_hubs:
        lat = hub.lat + north_km / 110.574
        lon = hub.lon + east_km / (111.320 * math.cos(math.radians(hub.lat)))
        mapping[hub.id] = session.scalar(insert(Hub).returning(Hub.id).values(
            name=f"{hub.name} {copy + 1}", address=hub.address, lat=lat, lon=lon, timezone=hub.timezone,
            opening_hours=hub.opening_hours, retired=hub.retired, pool_id=hub.pool_id))
    return mapping


def _copy_members(session: Session, template: Member, count: int, copy: int, rng: random.Random) -> int:
    rows = []
    for i in range(count):
        lat = template.home_lat + rng.uniform(-0.05, 0.05)
        lon = template.home_lon + rng.uniform(-0.08, 0.08)
        rows.append(dict(email=f"member{copy}.{i}@{DEMO_DOMAIN}", name=f"Member {copy}.{i}",
                         password_hash=template.password_hash, role=Role.member, active=True, home_lat=lat,
                         home_lon=lon, created_at=template.created_at))
    ids = list(session.scalars(insert(Member).returning(Member.id), rows))
    pool_id = default_pool(session).id  # the copies are more of the same town: members of the demo's pool
    session.execute(insert(PoolMembership), [dict(pool_id=pool_id, member_id=i, role=PoolRole.member,
                                                   created_at=template.created_at) for i in ids])
    return len(rows)


def _bookings(session: Session, spans: list[tuple[int, datetime, datetime]], member_ids: list[int], now: datetime,
              rng: random.Random) -> int:
    """Two to four bookings a day per asset, one to four hours each, back to back at most; completed before now,
    confirmed after."""
    hubs = {a.id: a.hub for a in session.scalars(select(Asset).where(Asset.id.in_({s[0] for s in spans})))}
    hours_of = {}
    rows, total = [], 0
    for asset_id, since, until in spans:
        hub = hubs[asset_id]
        hours = hours_of.setdefault(hub.id, parse_opening_hours(hub.opening_hours))
        day = since.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < until:
            cursor = day + timedelta(hours=7)
            for _ in range(rng.choice((1, 2, 2, 3, 4))):
                start = cursor + timedelta(hours=rng.randint(0, 3))
                end = start + timedelta(hours=rng.randint(1, 4))
                if end > until or end > day + timedelta(hours=22):
                    break
                if (start >= now or end <= now) and hours.is_open_at(start, hub.timezone) \
                        and hours.is_open_at(end, hub.timezone):
                    status = BookingStatus.completed if end <= now else BookingStatus.confirmed
                    rows.append(dict(asset_id=asset_id, member_id=rng.choice(member_ids), start_at=start, end_at=end,
                                     status=status, note="", created_at=min(start, now) - timedelta(days=2),
                                     decision_reason="", attention=""))
                cursor = end
            day += timedelta(days=1)
            if len(rows) >= BATCH:
                session.execute(insert(Booking), rows)
                total, rows = total + len(rows), []
    if rows:
        session.execute(insert(Booking), rows)
        total += len(rows)
    return total
