"""Load: gunicorn with 4 workers serving the demo community, 50 concurrent clients, mixed traffic, then the
overlap check over the whole database. PostgreSQL first (when it answers on 127.0.0.1:5432), then SQLite.

    .venv/bin/python bench/bench_load.py [--duration 60] [--ceiling 15] [--clients 50] [--workers 4]
                                         [--backends postgres,sqlite]

Loopback only. Each backend gets a fresh temporary database (`flask db upgrade`, `flask demo load`), a
`SELECT 1` ceiling phase on /healthz, then the mixed phase:
  search   GET  /api/v1/assets?available_from&available_until   (date-range search, nearest first)
  asset    GET  /assets/<id>                                      (the asset page with its busy times)
  book     POST /api/v1/bookings                                  (201, or 409 when taken: both fine)
  cancel   POST /api/v1/bookings/<id>/cancel                      (one of the client's own)
  request  POST /api/v1/requests                                  (flexible request, solved at once)
Errors are 5xx answers and transport failures; a 4xx other than the expected ones (409 taken, 422 refused by
the category's rules) is counted apart. Every worker is warmed up for 3 s before anything is measured.
A benchmark, not a test: it measures and prints (and exits 1 only when an overlap is found).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
# 422: a random time the category's rules refuse (opening hours, notice, duration): an answer, not an error.
EXPECTED = {"search": {200}, "asset": {200}, "book": {201, 409, 422}, "cancel": {200, 409}, "request": {201, 422},
            "healthz": {200}}
WEIGHTS = {"search": 35, "asset": 25, "book": 20, "cancel": 8, "request": 12}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def prepare(url: str, env: dict, clients: int) -> dict:
    """Migrate, load the demo community, issue one API token per client (members, not coordinators)."""
    flask = [str(VENV_BIN / "flask")]
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from fleet.core.db import utcnow
    from fleet.models import Asset, AssetStatus, Category, Member, Role
    from fleet.members.tokens import issue_token

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        members = db.session.scalars(select(Member).where(Member.role == Role.member, Member.active.is_(True))
                                     .order_by(Member.id).limit(clients)).all()
        tokens = [issue_token(db.session, m, "bench", utcnow())[0] for m in members]
        assets = db.session.scalars(select(Asset.id).where(Asset.status == AssetStatus.active)).all()
        categories = db.session.scalars(select(Category.id).where(Category.retired.is_(False))).all()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"tokens": tokens, "assets": list(assets), "categories": list(categories)}


def overlaps(url: str) -> tuple[int, int]:
    from sqlalchemy import and_, create_engine, func, select
    from sqlalchemy.orm import Session, aliased

    from fleet.models import HOLDING_STATUSES, Booking

    engine = create_engine(url)
    with Session(engine) as s:
        a, b = aliased(Booking), aliased(Booking)
        pairs = s.scalar(select(func.count()).select_from(a).join(b, and_(
            a.asset_id == b.asset_id, a.id < b.id, a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
            a.start_at < b.end_at, b.start_at < a.end_at)))
        total = s.scalar(select(func.count()).select_from(Booking))
    engine.dispose()
    return pairs, total


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--timeout", "60", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stats:
    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.unexpected: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def record(self, name: str, seconds: float, status: int | None) -> None:
        self.times[name].append(seconds)
        if status is None or status >= 500:
            self.errors[name] += 1
        else:
            self.statuses[name][status] += 1
            if status not in EXPECTED[name]:
                self.unexpected[name] += 1


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def client_loop(n: int, base: str, world: dict, stats: Stats, stop_at: float, mix: dict[str, int]) -> None:
    rng = random.Random(n)
    token = world["tokens"][n % len(world["tokens"])]
    headers = {"Authorization": f"Bearer {token}"}
    mine: list[int] = []
    names, weights = list(mix), list(mix.values())
    today = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as http:
        while time.monotonic() < stop_at:
            name = rng.choices(names, weights)[0]
            if name == "cancel" and not mine:
                name = "book"
            start = today.replace(hour=0) + timedelta(days=rng.randint(2, 30), hours=rng.randint(7, 15))
            end = start + timedelta(hours=rng.choice((1, 2, 3)))
            began = time.perf_counter()
            status = None
            try:
                if name == "healthz":
                    r = await http.get("/healthz")
                elif name == "search":
                    r = await http.get("/api/v1/assets", params={"available_from": _iso(start),
                                                                 "available_until": _iso(end)})
                elif name == "asset":
                    r = await http.get(f"/assets/{rng.choice(world['assets'])}", headers={"Authorization": ""})
                elif name == "book":
                    r = await http.post("/api/v1/bookings", json={"asset_id": rng.choice(world["assets"]),
                                                                  "start": _iso(start), "end": _iso(end)},
                                        headers={"Idempotency-Key": uuid.uuid4().hex})
                    if r.status_code == 201:
                        mine.append(r.json()["id"])
                elif name == "cancel":
                    r = await http.post(f"/api/v1/bookings/{mine.pop(rng.randrange(len(mine)))}/cancel")
                else:
                    r = await http.post("/api/v1/requests", json={
                        "category_id": rng.choice(world["categories"]), "earliest_start": _iso(start),
                        "latest_end": _iso(start + timedelta(hours=8)), "duration_minutes": 60})
                status = r.status_code
            except httpx.HTTPError:
                status = None
            stats.record(name, time.perf_counter() - began, status)


async def phase(base: str, world: dict, clients: int, seconds: float, mix: dict[str, int]) -> tuple[Stats, float]:
    stats = Stats()
    began = time.monotonic()
    stop_at = began + seconds
    await asyncio.gather(*(client_loop(n, base, world, stats, stop_at, mix) for n in range(clients)))
    return stats, time.monotonic() - began


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] * 1000


def rows(stats: Stats, wall: float) -> list[tuple]:
    out = []
    for name in sorted(stats.times, key=lambda n: list(EXPECTED).index(n)):
        t = stats.times[name]
        out.append((name, len(t), len(t) / wall, statistics.median(t) * 1000, pct(t, 95), pct(t, 99),
                    stats.errors[name], stats.unexpected[name]))
    every = [x for t in stats.times.values() for x in t]
    out.append(("all (mixed)" if len(stats.times) > 1 else "all", len(every), len(every) / wall,
                statistics.median(every) * 1000, pct(every, 95), pct(every, 99), sum(stats.errors.values()),
                sum(stats.unexpected.values())))
    return out


def run_backend(backend: str, args) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"commonpool-load-{backend}-"))
    admin = os.environ.get("COMMONPOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    dbname = f"commonpool_load_{uuid.uuid4().hex[:10]}"
    if backend == "postgres":
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{dbname}"
    else:
        url = f"sqlite:///{tmp / 'load.sqlite'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex, "FLASK_APP": "wsgi.py",
           "COMMONPOOL_ENV": "development", "COMMONPOOL_INSTANCE_DIR": str(tmp), "SESSION_COOKIE_SECURE": "0",
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)  # flexible requests are solved in the request either way
    proc = None
    try:
        t0 = time.monotonic()
        world = prepare(url, env, args.clients)
        prepared = time.monotonic() - t0
        port = free_port()
        proc = start_gunicorn(env, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(phase(base, world, args.clients, 3, {"healthz": 1, "search": 1}))  # warm every worker up
        ceiling, ceiling_wall = asyncio.run(phase(base, world, args.clients, args.ceiling, {"healthz": 1}))
        mixed, mixed_wall = asyncio.run(phase(base, world, args.clients, args.duration, WEIGHTS))
        stop(proc)
        proc = None
        pairs, total = overlaps(url)
        return {"backend": backend, "prepared_s": prepared, "ceiling": rows(ceiling, ceiling_wall),
                "mixed": rows(mixed, mixed_wall), "overlaps": pairs, "bookings": total,
                "statuses": {k: dict(v) for k, v in mixed.statuses.items()}}
    finally:
        if proc is not None:
            stop(proc)
        if backend == "postgres":
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def table(result: dict) -> str:
    lines = [f"| {result['backend']} | requests | req/s | p50 ms | p95 ms | p99 ms | errors | unexpected 4xx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, n, rps, p50, p95, p99, err, unexp in result["ceiling"][:1] + result["mixed"]:
        label = "SELECT 1 (/healthz, ceiling)" if name == "healthz" else name
        lines.append(f"| {label} | {n} | {rps:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {err} | {unexp} |")
    ceiling_rps = result["ceiling"][0][2]
    mixed_rps = result["mixed"][-1][2]
    lines.append(f"\nMixed throughput / SELECT 1 ceiling: {mixed_rps / ceiling_rps:.2f}. Bookings in the database "
                 f"afterwards: {result['bookings']}; overlapping holding pairs: {result['overlaps']}. "
                 f"Statuses: {result['statuses']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--ceiling", type=float, default=15)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backends", default="postgres,sqlite")
    args = parser.parse_args()
    found = 0
    print(f"# bench-load: gunicorn -w {args.workers}, {args.clients} clients, {args.ceiling:g} s SELECT 1 ceiling, "
          f"{args.duration:g} s mixed traffic, on {os.cpu_count()} CPUs\n")
    for backend in args.backends.split(","):
        if backend == "postgres" and not postgres_up():
            print("PostgreSQL does not answer on 127.0.0.1:5432: skipped\n")
            continue
        result = run_backend(backend, args)
        found += result["overlaps"]
        print(table(result), "\n", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
