"""Search across pools at a region's size, against one pool of the same shape, in the same run.

    .venv/bin/python bench/bench_pools.py                    # what `make bench-pools` runs: 100 pools
    .venv/bin/python bench/bench_pools.py --pools 10 --members-per-pool 200 --n 50      # a quick look

Two fresh PostgreSQL databases on 127.0.0.1:5432 (dropped afterwards unless --keep): a region of `--pools` pools
and one pool alone, each pool with the same shape (4 hubs, 5 categories, `--assets-per-pool` assets,
`--members-per-pool` members, every 20th of them also a member of the next pool, and `--bookings-per-week`
bookings per asset over the past year and the next month). Defaults: 100 pools, 10,000 assets, 100,000 members,
about 1.6 million bookings.

Then in process (Flask's test client, so the figures are the application's and PostgreSQL's, not the HTTP
server's), the API's ranged search nearest the member's home (`GET /api/v1/assets?available_from&until&near`),
`--n` times each, for: a member of the lone pool (the baseline); a member of one pool in the region; a member
of two pools there; the administrator, who searches every pool. Each line gives the mean and p95 wall time,
the app's CPU per request, SQL statements, how many assets matched, and the ratio of the mean to the baseline.
A benchmark, not a test: it measures and prints.
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, insert, text  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CENTRE = (52.09, 5.12)
POOL_SPACING_KM = 5.0
CATEGORIES = (  # name, kind, capability schema, capabilities of its assets
    ("Cargo bikes", "vehicle", {"payload_kg": "number"}, {"payload_kg": 100}),
    ("Cars", "vehicle", {"seats": "number"}, {"seats": 5}),
    ("Trailers", "machine", {"payload_kg": "number"}, {"payload_kg": 750}),
    ("Drills", "tool", {}, {}),
    ("Ladders", "tool", {}, {}),
)
BATCH = 5000


def _offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    return lat + north_km / 110.574, lon + east_km / (111.320 * math.cos(math.radians(lat)))


def generate(session, now, pools: int, assets_per_pool: int, members_per_pool: int, bookings_per_week: float,
             seed: int = 2026) -> dict:
    """Bulk insert the region; returns the members to search as and the counts."""
    from fleet.members.accounts import hash_password
    from fleet.models import (
        Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, Hub, Member, Pool, PoolMembership,
        PoolRole, Role,
    )

    rng = random.Random(seed)
    secret = hash_password(uuid.uuid4().hex)
    side = math.ceil(math.sqrt(pools))
    pool_ids = list(session.scalars(insert(Pool).returning(Pool.id), [
        dict(slug=f"pool-{p:03d}", name=f"Pool {p}", description="", public=True, created_at=now)
        for p in range(pools)]))
    asset_rows, member_ids, centres, counts = [], [], [], {"bookings": 0}
    for p, pool_id in enumerate(pool_ids):
        centre = _offset(*CENTRE, (p // side - side / 2) * POOL_SPACING_KM, (p % side - side / 2) * POOL_SPACING_KM)
        centres.append(centre)
        hub_ids = list(session.scalars(insert(Hub).returning(Hub.id), [
            dict(pool_id=pool_id, name=f"Hub {p}.{h}", address="", timezone="Europe/Amsterdam", opening_hours="24/7",
                 retired=False, **dict(zip(("lat", "lon"), _offset(*centre, rng.uniform(-1.5, 1.5),
                                                                  rng.uniform(-1.5, 1.5)))))
            for h in range(4)]))
        category_ids = list(session.scalars(insert(Category).returning(Category.id), [
            dict(pool_id=pool_id, name=f"{name} ({p})", kind=CategoryKind(kind), description="",
                 min_duration_minutes=30, max_duration_minutes=7 * 1440, min_notice_minutes=0, max_advance_days=90,
                 approval_required=False, capability_schema=schema, retired=False, handover_by_coordinator=False,
                 condition_checklist="")
            for name, kind, schema, _ in CATEGORIES]))
        for a in range(assets_per_pool):
            c = a % len(CATEGORIES)
            asset_rows.append(dict(name=f"{CATEGORIES[c][0][:-1]} {p}.{a}", description="",
                                   category_id=category_ids[c], hub_id=hub_ids[a % len(hub_ids)],
                                   capabilities=dict(CATEGORIES[c][3]), status=AssetStatus.active, created_at=now))
        ids = list(session.scalars(insert(Member).returning(Member.id), [
            dict(email=f"m{p}.{i}@bench.commonpool.org", name=f"Member {p}.{i}", password_hash=secret,
                 role=Role.member, active=True, created_at=now,
                 **dict(zip(("home_lat", "home_lon"), _offset(*centre, rng.uniform(-2, 2), rng.uniform(-2, 2)))))
            for i in range(members_per_pool)]))
        member_ids.append(ids)
    session.execute(insert(PoolMembership), [
        dict(pool_id=pool_ids[p], member_id=m, role=PoolRole.member, created_at=now)
        for p, ids in enumerate(member_ids) for m in ids])
    if pools > 1:  # every 20th member also belongs to the next pool
        session.execute(insert(PoolMembership), [
            dict(pool_id=pool_ids[(p + 1) % pools], member_id=m, role=PoolRole.member, created_at=now)
            for p, ids in enumerate(member_ids) for m in ids[::20]])
    asset_ids = []
    for i in range(0, len(asset_rows), BATCH):
        asset_ids += list(session.scalars(insert(Asset).returning(Asset.id), asset_rows[i:i + BATCH]))
    per_pool = assets_per_pool
    rows = []
    since, until = now - timedelta(days=365), now + timedelta(days=30)
    gap_hours = 7 * 24 / bookings_per_week
    for n, asset_id in enumerate(asset_ids):
        bookers = member_ids[n // per_pool]
        cursor = since + timedelta(hours=rng.uniform(0, gap_hours))
        while cursor < until:
            end = cursor + timedelta(hours=rng.randint(1, 4))
            if end <= now or cursor >= now:
                rows.append(dict(asset_id=asset_id, member_id=rng.choice(bookers), start_at=cursor, end_at=end,
                                 status=BookingStatus.completed if end <= now else BookingStatus.confirmed,
                                 note="", created_at=min(cursor, now) - timedelta(days=2), decision_reason="",
                                 attention=""))
            cursor = end + timedelta(hours=rng.uniform(0.5, 2 * gap_hours))
            if len(rows) >= BATCH:
                session.execute(insert(Booking), rows)
                counts["bookings"] += len(rows)
                rows = []
    if rows:
        session.execute(insert(Booking), rows)
        counts["bookings"] += len(rows)
    two_pools = member_ids[0][0]  # ids[::20] starts at the first: it belongs to pools 0 and 1
    return {"one_pool": member_ids[0][1], "two_pools": two_pools, "pools": pools, "assets": len(asset_ids),
            "members": sum(len(ids) for ids in member_ids), "bookings": counts["bookings"]}


def _database(name: str):
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop(name: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, args, pools: int):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from fleet.core.db import utcnow
    from fleet.members.tokens import issue_token
    from fleet.models import Member, Role

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        now = utcnow()
        began = time.monotonic()
        made = generate(db.session, now, pools, args.assets_per_pool, args.members_per_pool, args.bookings_per_week)
        admin = Member(email="admin@bench.commonpool.org", name="Admin", password_hash="x", role=Role.admin,
                       active=True, created_at=now)
        db.session.add(admin)
        db.session.flush()
        tokens = {"admin": issue_token(db.session, admin, "bench", now)[0]}
        homes = {"admin": CENTRE}
        for who in ("one_pool", "two_pools"):
            member = db.session.get(Member, made[who])
            tokens[who] = issue_token(db.session, member, "bench", now)[0]
            homes[who] = (member.home_lat, member.home_lon)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        made["seconds"] = time.monotonic() - began
        print(f"  {made['pools']} pools, {made['assets']} assets, {made['members']} members, "
              f"{made['bookings']} bookings in {made['seconds']:.0f} s", flush=True)
    return app, tokens, homes, now


def measure(app, token: str, home, now, n: int) -> dict:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements = [0]

    def count(*_a):
        statements[0] += 1

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    day = (now + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)

    def one(i: int):
        start = day + timedelta(days=i % 20, hours=i % 6)
        resp = client.get("/api/v1/assets", headers=headers, query_string={
            "available_from": start.isoformat().replace("+00:00", "Z"),
            "available_until": (start + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
            "near": f"{home[0]},{home[1]}"})
        assert resp.status_code == 200, resp.data[:300]
        return resp.get_json()["total"]

    for i in range(5):
        one(i)
    event.listen(engine, "before_cursor_execute", count)
    walls, totals = [], []
    cpu = time.process_time()
    for i in range(n):
        began = time.perf_counter()
        totals.append(one(i))
        walls.append(1000 * (time.perf_counter() - began))
    cpu_ms = 1000 * (time.process_time() - cpu) / n
    event.remove(engine, "before_cursor_execute", count)
    return {"mean": statistics.fmean(walls), "p95": statistics.quantiles(walls, n=20)[-1], "cpu": cpu_ms,
            "statements": statements[0] / n, "matched": statistics.median(totals)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pools", type=int, default=100)
    ap.add_argument("--assets-per-pool", type=int, default=100)
    ap.add_argument("--members-per-pool", type=int, default=1000)
    ap.add_argument("--bookings-per-week", type=float, default=3.0)
    ap.add_argument("--n", type=int, default=100, help="searches per line")
    ap.add_argument("--keep", action="store_true", help="keep the two databases")
    args = ap.parse_args()
    suffix = uuid.uuid4().hex[:8]
    names = {"lone": f"cp_bench_pool1_{suffix}", "region": f"cp_bench_pools_{suffix}"}
    try:
        print("one pool:", flush=True)
        lone = prepare(_database(names["lone"]), args, 1)
        print(f"a region of {args.pools} pools:", flush=True)
        region = prepare(_database(names["region"]), args, args.pools)
        lines = [("one pool alone: a member", lone, "one_pool"),
                 ("region: a member of one pool", region, "one_pool"),
                 ("region: a member of two pools", region, "two_pools"),
                 (f"region: the administrator (all {args.pools} pools)", region, "admin")]
        results = []
        for label, (app, tokens, homes, now), who in lines:
            results.append((label, measure(app, tokens[who], homes[who], now, args.n)))
        base = results[0][1]["mean"]
        print(f"\nAPI ranged search nearest first, {args.n} requests per line, in process (PostgreSQL)")
        print("| searcher | matched | mean ms | p95 ms | app CPU ms | statements | mean / one pool |")
        print("|---|---|---|---|---|---|---|")
        for label, r in results:
            print(f"| {label} | {r['matched']:.0f} | {r['mean']:.1f} | {r['p95']:.1f} | {r['cpu']:.1f} | "
                  f"{r['statements']:.1f} | {r['mean'] / base:.2f} |")
        with open("/proc/loadavg") as f:
            print(f"load average at the end: {f.read().split()[0]} (2 CPUs)")
    finally:
        if not args.keep:
            for name in names.values():
                _drop(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
