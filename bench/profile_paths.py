"""The web paths in process, against PostgreSQL: per request the mean time, SQL statements and commits of the
API date-range search, the HTML search page and an API create; `--profile NAME` prints cProfile's top entries.

    .venv/bin/python bench/profile_paths.py [--scale 1] [--n 200] [--profile search|html|create]
    .venv/bin/python bench/profile_paths.py --scale 10 --keep cp_profile_s10   # load once, reuse after

A fresh database (dropped afterwards) on 127.0.0.1:5432 with `flask demo load --scale N`'s data; with `--keep NAME`
the database NAME is loaded when it does not exist yet and kept (loading scale 10 takes minutes), so runs of two
checkouts can be compared on the same data (its creates add a few hundred bookings per run). A benchmark, not a
test: it measures and prints. Statements are counted with a SQLAlchemy event listener.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, select, text  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _iso(t) -> str:
    return t.isoformat().replace("+00:00", "Z")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--profile", default="")
    ap.add_argument("--sort", default="cumulative", help="cProfile order: cumulative or tottime")
    ap.add_argument("--show-sql", action="store_true", help="print the statements of one request per path")
    ap.add_argument("--keep", default="", metavar="NAME",
                    help="use the database NAME, loading it first when it does not exist, and keep it")
    args = ap.parse_args()
    name = args.keep or f"cp_profile_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        fresh = not c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if fresh:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    failed = True
    try:
        code = run(url, args, load=fresh)
        failed = False
        return code
    finally:
        if not args.keep or (fresh and failed):  # a database kept half-loaded would be reused as if whole
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, args, load: bool = True) -> int:
    from app import create_app
    from app.extensions import db
    from fleet.core.db import utcnow
    try:
        from fleet.demo_scale import load_scaled_demo
    except ImportError:  # an older checkout (PYTHONPATH=its worktree), for before/after figures: the demo only
        from fleet.demo import load_demo

        def load_scaled_demo(session, now, scale=1):
            return load_demo(session, now)
    from fleet.members.tokens import issue_token
    from fleet.models import Asset, AssetStatus, Member, Role

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade

        now = utcnow()
        if load:
            upgrade()
            load_scaled_demo(db.session, now, scale=args.scale)
            db.session.commit()
            with db.engine.connect() as conn:  # as `flask demo load` does after loading
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(text("VACUUM ANALYZE"))
        member = db.session.scalar(select(Member).where(Member.role == Role.member).order_by(Member.id))
        token = issue_token(db.session, member, "profile", now)[0]
        assets = list(db.session.scalars(select(Asset.id).where(Asset.status == AssetStatus.active)))
        home = member.home
        db.session.commit()
        engine = db.engine
    counts = {"statements": 0, "commits": 0}
    statuses: dict[int, int] = {}
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_a):
        counts["statements"] += 1
        seen.append(" ".join(statement.split())[:160])

    @event.listens_for(engine, "commit")
    def _commit(*_a):
        counts["commits"] += 1

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    day = (now + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    state = {"i": 0}

    def search():
        state["i"] += 1
        start = day + timedelta(days=state["i"] % 20)
        r = client.get("/api/v1/assets", headers=headers, query_string={
            "available_from": _iso(start), "available_until": _iso(start + timedelta(hours=2)),
            "near": f"{home[0]},{home[1]}"})
        assert r.status_code == 200, r.data[:300]

    def html():
        state["i"] += 1
        start = day + timedelta(days=state["i"] % 20)
        r = client.get("/assets", query_string={"near": "point", "lat": home[0], "lon": home[1],
                                                "from": start.strftime("%Y-%m-%dT%H:%M"),
                                                "until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
        assert r.status_code == 200, r.data[:300]

    def create():
        state["i"] += 1
        start = day + timedelta(days=state["i"] % 25, hours=state["i"] % 6)
        r = client.post("/api/v1/bookings", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, json={
            "asset_id": assets[state["i"] % len(assets)], "start": _iso(start),
            "end": _iso(start + timedelta(hours=1))})
        assert r.status_code in (201, 409, 422), r.data[:300]
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

    print(f"scale {args.scale}: {len(assets)} active assets")
    for label, fn in (("api search", search), ("html search", html), ("api create", create)):
        for _ in range(10):
            fn()
        counts.update(statements=0, commits=0)
        statuses.clear()
        profiler = cProfile.Profile() if args.profile and args.profile in label else None
        began, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(args.n):
            fn()
        if profiler:
            profiler.disable()
        ms, cpu_ms = (1000 * (time.perf_counter() - began) / args.n, 1000 * (time.process_time() - cpu) / args.n)
        print(f"{label:12} {ms:7.2f} ms/request ({cpu_ms:6.2f} ms CPU in the app)  "
              f"{counts['statements'] / args.n:5.1f} statements  {counts['commits'] / args.n:4.2f} commits  "
              f"statuses {dict(sorted(statuses.items()))}")
        if profiler:
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(35)
        if args.show_sql:
            seen.clear()
            fn()
            print("\n".join(f"    {s}" for s in seen))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
