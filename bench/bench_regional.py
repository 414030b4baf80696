"""A regional optimiser run split across RQ workers (app/split_runs.py), against the same run in one process.

    .venv/bin/python bench/bench_regional.py [--requests 4000] [--assets 600] [--towns 8] [--days 14]
                                             [--time-limit 30] [--workers 1,2,4] [--seed 1] [--database-url URL]

A region of towns from the scheduling generator (`scheduling.generate.generate_region`, deterministic by seed)
is loaded into a fresh database as hubs, categories, assets, held bookings, members and waitlisted flexible
requests. The same batch run (every waitlisted request, the same time limit) is then computed:

- in one process (`execute_run`, as `flask schedule run` or a web process's thread does);
- through RQ with 1, 2 and 4 worker processes (`flask rq worker`, started here, on a redis-server of this
  benchmark's own): the run's job prepares it and splits it into parts, the workers solve the parts, a merge job
  checks and stores the plan.

Each row prints the wall time from hand-over to preview, the served requests and the priority-weighted served
hours (the objective), and both as ratios against the 1-worker run of the same process. The machine's cores
bound what more workers can give: each part's CP-SAT uses two threads. A benchmark, not a test: it measures and
prints; the figures are in bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from fleet.allocation.optimiser_runs import create_run, execute_run  # noqa: E402
from fleet.core.db import utcnow  # noqa: E402
from fleet.models import (  # noqa: E402
    Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, FlexibleRequest, Hub, Member, OptimiserRun,
    RequestStatus, Role, RunStatus,
)
from scheduling.generate import generate_region  # noqa: E402

FLASK = str(Path(sys.executable).parent / "flask")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_region(session, problem, now: datetime) -> int:
    """The generated region as rows, its times moved to start tomorrow; returns the coordinator's id."""
    shift = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0) - problem.horizon.start
    from fleet.members.pools import default_pool, join_pool
    from fleet.models import PoolRole

    # The region is one pool (a regional co-op): an optimiser run plans one pool's requests.
    pool_id = default_pool(session, now).id
    coordinator = Member(email="coordinator@bench.example", name="Coordinator", password_hash="!", role=Role.coordinator)
    session.add(coordinator)
    session.flush()
    join_pool(session, coordinator, pool_id, PoolRole.coordinator)
    hubs = {h.id: Hub(name=f"Hub {h.id}", address="", lat=h.lat, lon=h.lon, timezone="Europe/Amsterdam",
                      opening_hours="24/7", pool_id=pool_id) for h in problem.hubs}
    categories = {c: Category(name=c, kind=CategoryKind.vehicle, min_duration_minutes=15,
                              max_duration_minutes=14 * 1440, max_advance_days=365, pool_id=pool_id)
                  for c in sorted({a.category for a in problem.assets})}
    session.add_all([*hubs.values(), *categories.values()])
    session.flush()
    assets = {a.id: Asset(name=f"Asset {a.id}", category_id=categories[a.category].id, hub_id=hubs[a.hub].id,
                          capabilities=dict(a.capabilities), status=AssetStatus.active) for a in problem.assets}
    session.add_all(assets.values())
    members = {m: Member(email=f"{m}@bench.example", name=f"Member {m}", password_hash="!", role=Role.member)
               for m in sorted({r.member for r in problem.requests})}
    session.add_all(members.values())
    session.flush()
    for member in members.values():
        join_pool(session, member, pool_id)
    session.execute(insert(Booking), [dict(
        asset_id=assets[b.asset].id, member_id=coordinator.id, start_at=b.start + shift, end_at=b.end + shift,
        status=BookingStatus.confirmed, note="", created_at=now, decision_reason="", attention="")
        for b in problem.bookings])
    session.execute(insert(FlexibleRequest), [dict(
        member_id=members[r.member].id, category_id=categories[r.category].id, requires=dict(r.requires),
        earliest_start=r.earliest_start + shift, latest_end=r.latest_end + shift,
        duration_minutes=r.duration_minutes, lat=r.location.lat if r.location else None,
        lon=r.location.lon if r.location else None, max_distance_km=r.max_distance_km,
        status=RequestStatus.waitlisted, waitlist_reason="", note="", created_at=now, updated_at=now)
        for r in problem.requests])
    session.commit()
    return coordinator.id


def new_run(app, coordinator_id: int, days: int, time_limit: float) -> int:
    with app.app_context():
        run = create_run(db.session, db.session.get(Member, coordinator_id), days, utcnow(), time_limit=time_limit)
        db.session.commit()
        return run.id


def result(app, run_id: int) -> OptimiserRun:
    with app.app_context():
        run = db.session.get(OptimiserRun, run_id)
        db.session.expunge(run)
        return run


def single_process(app, coordinator_id: int, days: int, time_limit: float) -> tuple[float, OptimiserRun]:
    run_id = new_run(app, coordinator_id, days, time_limit)
    t0 = time.monotonic()
    with app.app_context():
        execute_run(db.session, run_id, utcnow())
        db.session.commit()
    return time.monotonic() - t0, result(app, run_id)


def through_workers(app, env: dict, workers: int, coordinator_id: int, days: int, time_limit: float,
                    connection) -> tuple[float, OptimiserRun, int]:
    from rq import Worker

    from app.jobs import start_run
    from app.split_runs import _split_key

    connection.flushdb()
    procs = [subprocess.Popen([FLASK, "--app", "wsgi", "rq", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        deadline = time.monotonic() + 60
        while Worker.count(connection=connection) < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the workers did not start")
            time.sleep(0.2)
        run_id = new_run(app, coordinator_id, days, time_limit)
        t0 = time.monotonic()
        with app.app_context():
            assert start_run(run_id) == "rq"
        while True:
            run = result(app, run_id)
            if run.status not in (RunStatus.queued, RunStatus.running):
                break
            if time.monotonic() - t0 > 20 * time_limit + 300:
                raise RuntimeError(f"run {run_id} did not end")
            time.sleep(0.2)
        wall = time.monotonic() - t0
        split = connection.get(_split_key(run_id))
        parts = len(json.loads(split)) - 1 if split else 1
        return wall, run, parts
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--assets", type=int, default=600)
    parser.add_argument("--towns", type=int, default=8)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="commonpool-bench-regional-"))
    database_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                              "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{port}/0"
    try:
        from redis import Redis

        connection = Redis.from_url(redis_url)
        for _ in range(100):
            try:
                connection.ping()
                break
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "COMMONPOOL_ENV": "development",
               "SECRET_KEY": "bench", "MAIL_DELIVERY": "off", "PYTHONPATH": str(ROOT),
               "COMMONPOOL_INSTANCE_DIR": str(tmp)}
        app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
                                         "JOB_DATABASE_URL": None, "MAIL_DELIVERY": "off"})
        problem = generate_region(args.requests, args.assets, args.towns, seed=args.seed, days=args.days)
        t0 = time.monotonic()
        with app.app_context():
            upgrade()
            coordinator_id = load_region(db.session, problem, utcnow())
        print(f"region: {len(problem.requests)} requests, {len(problem.assets)} assets, {len(problem.hubs)} hubs, "
              f"{args.towns} towns, {len({a.category for a in problem.assets})} categories, {args.days} days, "
              f"{len(problem.bookings)} held bookings; loaded in {time.monotonic() - t0:.1f} s; "
              f"time limit {args.time_limit:.0f} s; {os.cpu_count()} cores")
        horizon = args.days + 2
        rows = []
        wall, run = single_process(app, coordinator_id, horizon, args.time_limit)
        rows.append(("one process", 1, wall, run))
        for workers in [int(w) for w in args.workers.split(",")]:
            wall, run, parts = through_workers(app, env, workers, coordinator_id, horizon, args.time_limit, connection)
            if run.status != RunStatus.preview:
                print(f"{workers} workers: the run ended {run.status.value}: {run.error}")
                return 1
            rows.append((f"RQ, {workers} worker{'s' if workers > 1 else ''}", parts, wall, run))
        base = next(r for r in rows if r[0] == "RQ, 1 worker") if any(r[0] == "RQ, 1 worker" for r in rows) else rows[0]
        print()
        print("| run | parts | wall s | wall / 1 worker | served | weighted h | weighted / 1 worker | bound h | status |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, parts, wall, run in rows:
            print(f"| {name} | {parts} | {wall:.1f} | {wall / base[2]:.2f} | {run.served} of {run.requests_count} | "
                  f"{run.weighted_hours:.1f} | {run.weighted_hours / base[3].weighted_hours:.4f} | "
                  f"{run.bound_weighted_hours or 0:.1f} | {run.solver_status} |")
        return 0
    finally:
        redis.kill()
        redis.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
