"""The optimiser inside the app, end to end: the demo community scaled to a year of history, 2,000 open
flexible requests, one batch run from "run" to applied.

    .venv/bin/python bench/bench_app.py [--requests 2000] [--time-limit 30] [--database-url URL]

Prints the sizes, the time of each step, served requests and hours against first-come-first-served on the
same snapshot, and the gap to the proven bound. A benchmark, not a test: it measures and prints.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from fleet.demo import load_demo  # noqa: E402
from fleet.models import (  # noqa: E402
    Asset, AssetStatus, Booking, BookingStatus, Category, FlexibleRequest, Member, RequestStatus, Role,
)
from fleet.core.opening_hours import parse_opening_hours  # noqa: E402
from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run  # noqa: E402

HISTORY_DAYS = 365


def add_history(session, now: datetime, rng: random.Random) -> int:
    """A year of completed bookings before the demo's own three months, bulk inserted, never overlapping."""
    assets = session.scalars(select(Asset).where(Asset.status != AssetStatus.retired)).all()
    members = session.scalars(select(Member.id)).all()
    rows = []
    first_demo = session.scalar(select(func.min(Booking.start_at)))
    day0 = (first_demo - timedelta(days=HISTORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    for asset in assets:
        hours = parse_opening_hours(asset.hub.opening_hours)
        tz = asset.hub.timezone
        for d in range(HISTORY_DAYS):
            day = day0 + timedelta(days=d)
            cursor = day + timedelta(hours=7)
            for _ in range(rng.choice((2, 2, 3, 3, 4))):
                start = cursor + timedelta(hours=rng.randint(0, 3))
                end = start + timedelta(hours=rng.randint(1, 4))
                if end >= first_demo or end > day + timedelta(hours=22):
                    break
                if hours.is_open_at(start, tz) and hours.is_open_at(end, tz):
                    rows.append(dict(asset_id=asset.id, member_id=rng.choice(members), start_at=start, end_at=end,
                                     status=BookingStatus.completed, note="", created_at=start - timedelta(days=2),
                                     decision_reason="", attention=""))
                cursor = end
    for i in range(0, len(rows), 5000):
        session.execute(insert(Booking), rows[i:i + 5000])
    return len(rows)


def add_requests(session, now: datetime, n: int, rng: random.Random) -> None:
    """Open requests over the next two weeks, asking for what the fleet has, mostly at busy times."""
    assets = session.scalars(select(Asset).where(Asset.status == AssetStatus.active)).all()
    members = session.scalars(select(Member).where(Member.role == Role.member)).all()
    base = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for i in range(n):
        asset = rng.choice(assets)
        category: Category = asset.category
        minutes = max(category.min_duration_minutes, min(category.max_duration_minutes, rng.choice((60, 120, 180, 240, 360))))
        day = base + timedelta(days=rng.randrange(14))
        start = day + timedelta(hours=rng.choice((8, 9, 10, 14, 16, 17, 18)))
        window = timedelta(minutes=minutes * rng.choice((1, 2, 3, 4, 6, 8)))
        member = rng.choice(members)
        requires = {k: v for k, v in (asset.capabilities or {}).items() if rng.random() < 0.3}
        rows.append(dict(member_id=member.id, category_id=category.id, requires=requires, earliest_start=start,
                         latest_end=start + window, duration_minutes=minutes, lat=member.home_lat, lon=member.home_lon,
                         max_distance_km=None, status=RequestStatus.waitlisted, waitlist_reason="", note="",
                         created_at=now - timedelta(minutes=n - i), updated_at=now))
    session.execute(insert(FlexibleRequest), rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
            t = time.perf_counter()
            load_demo(db.session, now)
            history = add_history(db.session, now, rng)
            add_requests(db.session, now, args.requests, rng)
            db.session.commit()
            bookings = db.session.scalar(select(func.count()).select_from(Booking))
            print(f"data: {bookings} bookings ({history} of them a year of added history), "
                  f"{args.requests} open requests; built in {time.perf_counter() - t:.1f} s")
            coordinator = db.session.scalar(select(Member).where(Member.role == Role.coordinator))
            t0 = time.perf_counter()
            run = create_run(db.session, coordinator, 15, now, time_limit=args.time_limit)
            db.session.commit()
            execute_run(db.session, run.id, now, progress=lambda _m: db.session.commit())
            db.session.commit()
            t1 = time.perf_counter()
            apply_run(db.session, coordinator, run.id, now)
            db.session.commit()
            t2 = time.perf_counter()
            gap = (100 * (run.bound_weighted_hours - run.weighted_hours) / run.bound_weighted_hours
                   if run.bound_weighted_hours else 0.0)
            print(f"problem: {run.requests_count} requests, {run.assets_count} assets, {run.bookings_count} fixed bookings")
            print(f"served: {run.served} requests, {run.served_hours:.1f} h (first come, first served: "
                  f"{run.fcfs_served}, {run.fcfs_served_hours:.1f} h; ratio {run.served_hours / max(run.fcfs_served_hours, 1e-9):.3f})")
            print(f"weighted hours {run.weighted_hours:.1f}, bound {run.bound_weighted_hours or 0:.1f}, gap {gap:.2f} %, "
                  f"solver status {run.solver_status}")
            print(f"time: snapshot + solve {t1 - t0:.1f} s (solver {run.wall_seconds:.1f} s), apply {t2 - t1:.1f} s, "
                  f"run to applied {t2 - t0:.1f} s; applied {run.applied_count}, lost meanwhile {run.skipped_count}")
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
