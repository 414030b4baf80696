"""Commonpool next to a real peer, Indico 3.2.9's room booking, under one load generator: `make bench-peer`.

    .venv/bin/python bench/bench_peer.py [--scale 1] [--reps 3] [--clients 1,10,50] [--seconds 5]
                                         [--race-clients 16] [--race-rounds 25] [--fresh-indico] [--skip-indico]

Indico is installed from PyPI into its own virtualenv (.bench/indico, git-ignored) with gunicorn, configured in
.bench/indico-data, and seeded (bench/peer/indico_seed.py: 20 rooms, 60 users with personal tokens, 5,000
bookings over 90 days) into its own PostgreSQL database `cp_bench_indico`, kept for the next run
(`--fresh-indico` builds it again). Commonpool gets a fresh database with `flask demo load --scale N`, dropped
afterwards. Both run under gunicorn with 4 sync workers on 127.0.0.1, Redis (Indico's cache) on 127.0.0.1:6379.

Scenarios, each run for `--seconds` per system and client count, the systems interleaved and their order
alternating, `--reps` times:
  api search   Commonpool GET /api/v1/assets?available_from&available_until   Indico GET /rooms/api/rooms/search
  api create   Commonpool POST /api/v1/bookings (Idempotency-Key)             Indico POST /rooms/api/booking/create
  html search  Commonpool GET /assets?from&until (the page, nearest first)    against Indico's search API above
A create takes the next free slot of a list made beforehand (distinct, within the rules), so nearly every one
is a success; only successes (201 / 200 with a booking) count as done, refusals and errors are listed apart.
Then the race: `--race-clients` clients with their own tokens ask for the same slot at once, `--race-rounds`
times, on both systems; the accepted bookings are counted (one per round is right).

A benchmark, not a test: it prints req/s, p95 and the ratios per repetition, and the load average.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
BENCH = ROOT / ".bench"
INDICO_VENV = BENCH / "indico"
INDICO_DATA = BENCH / "indico-data"
INDICO_VERSION = "3.2.9"
INDICO_DB = "cp_bench_indico"
ADMIN_URL = os.environ.get("COMMONPOOL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = "redis://127.0.0.1:6379"
SEED = dict(rooms=20, users=60, bookings=5000, days=90)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql: str, database: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as conn:
        conn.execute(sql)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


# --- Indico ------------------------------------------------------------------------------------------------

def indico_env(port: int) -> dict:
    INDICO_DATA.mkdir(parents=True, exist_ok=True)
    for sub in ("cache", "log", "tmp", "archive"):
        (INDICO_DATA / sub).mkdir(exist_ok=True)
    base = ADMIN_URL.rsplit("/", 1)[0]
    (INDICO_DATA / "indico.conf").write_text("\n".join([
        f"SQLALCHEMY_DATABASE_URI = '{base}/{INDICO_DB}'",
        "SECRET_KEY = 'bench-" + "0" * 32 + "'",
        f"BASE_URL = 'http://127.0.0.1:{port}'",
        f"CELERY_BROKER = '{REDIS}/14'",  # mail is queued for Celery, as Commonpool leaves it to its worker
        f"REDIS_CACHE_URL = '{REDIS}/15'",
        "DEFAULT_TIMEZONE = 'Europe/Amsterdam'",
        "DEFAULT_LOCALE = 'en_GB'",
        "ENABLE_ROOMBOOKING = True",
        f"CACHE_DIR = '{INDICO_DATA / 'cache'}'",
        f"TEMP_DIR = '{INDICO_DATA / 'tmp'}'",
        f"LOG_DIR = '{INDICO_DATA / 'log'}'",
        f"STORAGE_BACKENDS = {{'default': 'fs:{INDICO_DATA / 'archive'}'}}",
        "ATTACHMENT_STORAGE = 'default'",
        "NO_REPLY_EMAIL = 'noreply@example.org'",
        "SUPPORT_EMAIL = 'support@example.org'",
        "",
    ]))
    sample = INDICO_VENV / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages" / \
        "indico" / "logging.yaml.sample"
    if sample.exists() and not (INDICO_DATA / "logging.yaml").exists():
        (INDICO_DATA / "logging.yaml").write_text(sample.read_text())
    (INDICO_DATA / "indico_wsgi.py").write_text("from indico.web.flask.app import make_app\n\n"
                                                "application = make_app()\n")
    return {**os.environ, "INDICO_CONFIG": str(INDICO_DATA / "indico.conf")}


def install_indico() -> None:
    if (INDICO_VENV / "bin" / "indico").exists() and (INDICO_VENV / "bin" / "gunicorn").exists():
        return
    print(f"installing Indico {INDICO_VERSION} into {INDICO_VENV} (a few minutes)", flush=True)
    subprocess.run(["python3.11", "-m", "venv", str(INDICO_VENV)], check=True)  # Indico 3.2 runs on 3.9 to 3.12
    subprocess.run([str(INDICO_VENV / "bin" / "pip"), "install", "-q", f"indico=={INDICO_VERSION}", "gunicorn"],
                   check=True)


def prepare_indico(port: int, fresh: bool) -> dict:
    install_indico()
    env = indico_env(port)
    seed_file = INDICO_DATA / "seed.json"
    if fresh or not database_exists(INDICO_DB) or not seed_file.exists():
        print("seeding Indico (20 rooms, 60 users, 5,000 bookings over 90 days; a few minutes)", flush=True)
        psql(f'DROP DATABASE IF EXISTS "{INDICO_DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{INDICO_DB}"')
        psql("CREATE EXTENSION unaccent; CREATE EXTENSION pg_trgm;", INDICO_DB)
        subprocess.run([str(INDICO_VENV / "bin" / "indico"), "db", "prepare"], env=env, check=True,
                       capture_output=True)
        out = subprocess.run([str(INDICO_VENV / "bin" / "python"), str(ROOT / "bench" / "peer" / "indico_seed.py"),
                              *(str(SEED[k]) for k in ("rooms", "users", "bookings", "days"))],
                             env=env, check=True, capture_output=True, text=True).stdout
        seed_file.write_text(out.strip().splitlines()[-1])
    return json.loads(seed_file.read_text())


def start_indico(port: int) -> subprocess.Popen:
    env = indico_env(port)
    return start_gunicorn([str(INDICO_VENV / "bin" / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}",
                           "--pythonpath", str(INDICO_DATA), "--log-level", "warning", "--timeout", "120",
                           "indico_wsgi:application"], env, f"http://127.0.0.1:{port}/rooms/api/config", cwd=BENCH)


# --- Commonpool --------------------------------------------------------------------------------------------

def prepare_commonpool(url: str, env: dict, scale: int, tokens: int) -> dict:
    flask = [str(VENV_BIN / "flask")]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "load", "--scale", str(scale)], cwd=ROOT, env=env, check=True, capture_output=True)
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from fleet.booking.availability import overlapping_bookings
    from fleet.booking.bookings import check_booking_rules
    from fleet.booking.eligibility import limits_of, required_qualifications
    from fleet.booking.owned_items import owned_items_for
    from fleet.core.db import utcnow
    from fleet.core.errors import DomainError
    from fleet.members.tokens import issue_token
    from fleet.models import Asset, AssetStatus, Member, Role

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        members = db.session.scalars(select(Member).where(Member.role == Role.member, Member.active.is_(True))
                                     .order_by(Member.id).limit(tokens)).all()
        issued = [issue_token(db.session, m, "bench", utcnow())[0] for m in members]
        home = members[0].home or (52.09, 5.12)
        now = utcnow() + timedelta(minutes=30)  # the slots stay valid while the benchmark runs
        slots = []
        assets = db.session.scalars(select(Asset).where(Asset.status == AssetStatus.active).order_by(Asset.id)).all()
        owned = owned_items_for(db.session, [a.id for a in assets])
        # Like Indico's rooms, the slots are ones any member may take: no qualification, no fair-use limit (the
        # benchmark books hundreds per token) and no owner's approval.
        assets = [a for a in assets if a.id not in owned and not required_qualifications(db.session, a.category_id)
                  and limits_of(db.session, a.category_id) is None]
        for asset in assets:
            minutes = max(60, asset.category.min_duration_minutes)
            if minutes > asset.category.max_duration_minutes:
                continue
            first = (now + timedelta(minutes=asset.category.min_notice_minutes, hours=2)).replace(
                minute=0, second=0, microsecond=0)
            last = now + timedelta(days=asset.category.max_advance_days - 1)
            busy = [(b.start_at, b.end_at) for b in overlapping_bookings(db.session, asset.id, first, last)]
            start = first
            while start + timedelta(minutes=minutes) < last:
                end = start + timedelta(minutes=minutes)
                try:
                    check_booking_rules(asset, start, end, now)
                    if not any(s < end and start < e for s, e in busy):
                        slots.append((asset.id, start, end))
                except DomainError:
                    pass
                start = end
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    random.Random(1).shuffle(slots)
    return {"tokens": issued, "slots": slots, "home": home}


def start_commonpool(env: dict, port: int) -> subprocess.Popen:
    return start_gunicorn([str(VENV_BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                           "--timeout", "120", "wsgi:app"], env, f"http://127.0.0.1:{port}/healthz", cwd=ROOT)


# --- processes ---------------------------------------------------------------------------------------------

def start_gunicorn(cmd: list[str], env: dict, probe: str, cwd: Path) -> subprocess.Popen:
    log = open(BENCH / f"gunicorn-{uuid.uuid4().hex[:6]}.log", "w")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(probe, timeout=30).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited; see {log.name}")
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"{cmd[0]} did not answer {probe} within 180 s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- load --------------------------------------------------------------------------------------------------

@dataclass
class Result:
    times: list[float] = field(default_factory=list)  # seconds, of the successes
    refused: int = 0
    errors: int = 0
    elapsed: float = 0.0
    samples: list[str] = field(default_factory=list)  # a few unexpected answers, to show what went wrong

    @property
    def rps(self) -> float:
        return len(self.times) / self.elapsed if self.elapsed else 0.0

    @property
    def p95_ms(self) -> float:
        if len(self.times) < 2:
            return 1000 * (self.times[0] if self.times else 0.0)
        return 1000 * statistics.quantiles(self.times, n=20)[-1]


def run_load(clients: int, seconds: float, request_fn, tokens: list[str]) -> Result:
    """`clients` threads, each with its own connection and token, calling `request_fn(http, n)` until time is
    up; it returns "ok", "refused" or an error text."""
    result, lock = Result(), threading.Lock()
    stop_at = time.monotonic() + seconds
    began = time.monotonic()

    def client(n: int) -> None:
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"}) as http:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                try:
                    outcome = request_fn(http, n)
                except httpx.HTTPError as exc:
                    outcome = f"transport: {type(exc).__name__}"
                took = time.perf_counter() - t
                with lock:
                    if outcome == "ok":
                        result.times.append(took)
                    elif outcome == "refused":
                        result.refused += 1
                    else:
                        result.errors += 1
                        if len(result.samples) < 3:
                            result.samples.append(outcome[:200])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed = time.monotonic() - began
    return result


def _z(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class Scenarios:
    """The requests of each scenario on each system; creates take distinct slots from shared iterators."""

    def __init__(self, cp_base: str, ix_base: str | None, cp: dict, ix: dict | None, rng_seed: int = 3):
        self.cp_base, self.ix_base, self.cp, self.ix = cp_base, ix_base, cp, ix
        self.rng = random.Random(rng_seed)
        self.cp_slots = iter(cp["slots"])
        self.lock = threading.Lock()
        if ix is not None:
            # Far enough ahead of the seeded bookings and of earlier runs' creates: a random year from 2 to 40.
            first = date.today() + timedelta(days=365 * random.randint(2, 40))
            self.ix_slots = ((room, first + timedelta(days=d), hour)
                             for d in itertools.count() for hour in range(8, 20) for room in ix["rooms"])

    def window(self) -> tuple[datetime, datetime]:
        with self.lock:
            day = self.rng.randint(1, 28)
            hour = self.rng.randint(8, 16)
        start = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=day)
        return start, start + timedelta(hours=2)

    # -- Commonpool
    def cp_search(self, http, n):
        start, end = self.window()
        r = http.get(f"{self.cp_base}/api/v1/assets", params={"available_from": _z(start), "available_until": _z(end)})
        return "ok" if r.status_code == 200 and "items" in r.json() else f"{r.status_code} {r.text}"

    def cp_html(self, http, n):
        start, end = self.window()
        local = "%Y-%m-%dT%H:%M"
        r = http.get(f"{self.cp_base}/assets", headers={"Authorization": ""}, params={
            "from": start.astimezone().strftime(local), "until": end.astimezone().strftime(local),
            "near": "point", "lat": self.cp["home"][0], "lon": self.cp["home"][1]})
        return "ok" if r.status_code == 200 and "<table" in r.text else f"{r.status_code} {r.text[:200]}"

    def cp_create(self, http, n):
        with self.lock:
            asset_id, start, end = next(self.cp_slots)
        r = http.post(f"{self.cp_base}/api/v1/bookings", headers={"Idempotency-Key": uuid.uuid4().hex},
                      json={"asset_id": asset_id, "start": _z(start), "end": _z(end)})
        if r.status_code == 201 and r.json().get("id"):
            return "ok"
        return "refused" if r.status_code == 409 else f"{r.status_code} {r.text}"

    # -- Indico
    def ix_search(self, http, n):
        start, end = self.window()
        local = "%Y-%m-%dT%H:%M:%S"
        r = http.get(f"{self.ix_base}/rooms/api/rooms/search", params={
            "start_dt": start.astimezone().strftime(local), "end_dt": end.astimezone().strftime(local),
            "repeat_frequency": "NEVER", "repeat_interval": 0})
        return "ok" if r.status_code == 200 and "rooms" in r.json() else f"{r.status_code} {r.text}"

    def ix_create(self, http, n):
        with self.lock:
            room, day, hour = next(self.ix_slots)
        return self._ix_book(http, room, datetime(day.year, day.month, day.day, hour))

    def _ix_book(self, http, room: int, start: datetime):
        r = http.post(f"{self.ix_base}/rooms/api/booking/create", json={
            "start_dt": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "end_dt": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "repeat_frequency": "NEVER", "repeat_interval": 0, "room_id": room, "reason": "Benchmark booking"})
        if r.status_code == 200 and r.json().get("booking", {}).get("id"):
            return "ok"
        return "refused" if r.status_code == 418 else f"{r.status_code} {r.text}"


def race(clients: int, rounds: int, book_one, tokens: list[str]) -> tuple[int, int, list[str]]:
    """Per round all clients ask for the same new slot at once (a barrier); returns accepted, refused, errors."""
    accepted = refused = 0
    errors: list[str] = []
    lock = threading.Lock()
    https = [httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"})
             for n in range(clients)]
    try:
        for r in range(rounds):
            barrier = threading.Barrier(clients)

            def go(n: int, r=r, barrier=barrier) -> None:
                nonlocal accepted, refused
                barrier.wait()
                try:
                    outcome = book_one(https[n], r)
                except httpx.HTTPError as exc:
                    outcome = f"transport: {type(exc).__name__}"
                with lock:
                    if outcome == "ok":
                        accepted += 1
                    elif outcome == "refused":
                        refused += 1
                    else:
                        errors.append(outcome[:200])

            threads = [threading.Thread(target=go, args=(n,)) for n in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        for h in https:
            h.close()
    return accepted, refused, errors


# --- main --------------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--clients", default="1,10,50")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--race-clients", type=int, default=16)
    ap.add_argument("--race-rounds", type=int, default=25)
    ap.add_argument("--fresh-indico", action="store_true", help="install nothing new, but seed Indico again")
    ap.add_argument("--skip-indico", action="store_true", help="Commonpool only (no ratios)")
    args = ap.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    BENCH.mkdir(exist_ok=True)
    dbname = f"cp_bench_commonpool_{uuid.uuid4().hex[:8]}"
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{dbname}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex, "FLASK_APP": "wsgi.py",
           "COMMONPOOL_ENV": "development", "COMMONPOOL_INSTANCE_DIR": str(BENCH / "commonpool-instance"),
           "SESSION_COOKIE_SECURE": "0", "PYTHONPATH": str(ROOT), "MAIL_DELIVERY": "background"}
    env.pop("REDIS_URL", None)  # notifications wait in the outbox for `flask bookings tick`
    (BENCH / "commonpool-instance").mkdir(exist_ok=True)
    cp_proc = ix_proc = None
    psql(f'CREATE DATABASE "{dbname}"')
    try:
        t0 = time.monotonic()
        ix = None
        ix_port = free_port()
        if not args.skip_indico:
            ix = prepare_indico(ix_port, args.fresh_indico)
        cp = prepare_commonpool(url, env, args.scale, max(60, args.race_clients))
        print(f"prepared in {time.monotonic() - t0:.0f} s: Commonpool x{args.scale}, {len(cp['slots'])} free slots "
              f"for creates" + (f"; Indico {len(ix['rooms'])} rooms, {len(ix['tokens'])} users" if ix else ""),
              flush=True)
        cp_port = free_port()
        cp_proc = start_commonpool(env, cp_port)
        if ix is not None:
            ix_proc = start_indico(ix_port)
        sc = Scenarios(f"http://127.0.0.1:{cp_port}", f"http://127.0.0.1:{ix_port}" if ix else None, cp, ix)
        plan = [("api search", sc.cp_search, sc.ix_search), ("api create", sc.cp_create, sc.ix_create),
                ("html search", sc.cp_html, None)]
        # Warm every worker of both (imports, caches, connections) before measuring.
        for _name, cp_fn, ix_fn in plan:
            run_load(8, 3, cp_fn, cp["tokens"])
            if ix is not None and ix_fn is not None:
                run_load(8, 3, ix_fn, ix["tokens"])
        rows: dict[tuple[str, int, str], list[Result]] = {}
        loads: list[float] = []
        for rep in range(args.reps):
            for n in clients:
                for name, cp_fn, ix_fn in plan:
                    order = [("commonpool", cp_fn, cp["tokens"])]
                    if ix is not None and ix_fn is not None:
                        order.append(("indico", ix_fn, ix["tokens"]))
                    if rep % 2:
                        order.reverse()
                    for system, fn, tokens in order:
                        rows.setdefault((name, n, system), []).append(run_load(n, args.seconds, fn, tokens))
                        loads.append(os.getloadavg()[0])
            print(f"repetition {rep + 1} done (load average {os.getloadavg()[0]:.2f})", flush=True)
        report(rows, clients, args.reps, ix is not None)
        cp_race = race_commonpool(sc, args)
        print(f"\nrace ({args.race_clients} clients x {args.race_rounds} rounds, one slot per round):")
        print(f"  commonpool: {cp_race[0]} accepted, {cp_race[1]} refused, {len(cp_race[2])} errors {cp_race[2][:2]}")
        if ix is not None:
            ix_race = race_indico(sc, args)
            print(f"  indico:     {ix_race[0]} accepted, {ix_race[1]} refused, {len(ix_race[2])} errors {ix_race[2][:2]}")
        print(f"\nload average during the runs: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
              f"max {max(loads):.2f} ({os.cpu_count()} CPUs); `uptime` now: "
              + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    finally:
        stop(cp_proc)
        stop(ix_proc)
        psql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    return 0


def race_commonpool(sc: Scenarios, args) -> tuple[int, int, list[str]]:
    slots = [next(sc.cp_slots) for _ in range(args.race_rounds)]

    def book(http, r):
        asset_id, start, end = slots[r]
        resp = http.post(f"{sc.cp_base}/api/v1/bookings", headers={"Idempotency-Key": uuid.uuid4().hex},
                         json={"asset_id": asset_id, "start": _z(start), "end": _z(end)})
        if resp.status_code == 201 and resp.json().get("id"):
            return "ok"
        return "refused" if resp.status_code == 409 else f"{resp.status_code} {resp.text}"

    return race(args.race_clients, args.race_rounds, book, sc.cp["tokens"][:args.race_clients])


def race_indico(sc: Scenarios, args) -> tuple[int, int, list[str]]:
    slots = [next(sc.ix_slots) for _ in range(args.race_rounds)]

    def book(http, r):
        room, day, hour = slots[r]
        return sc._ix_book(http, room, datetime(day.year, day.month, day.day, hour))

    return race(args.race_clients, args.race_rounds, book, sc.ix["tokens"][:args.race_clients])


def report(rows, clients, reps, with_peer: bool) -> None:
    print("\nper repetition: req/s (p95 ms), successes only; refused/errors when any")
    print("| scenario | clients | rep | commonpool | indico | ratio |")
    print("|---|---|---|---|---|---|")
    for name in ("api search", "api create", "html search"):
        for n in clients:
            for rep in range(reps):
                cp = rows[(name, n, "commonpool")][rep]
                peer_name = "api search" if name == "html search" else name
                ix = rows.get((peer_name, n, "indico"), [None] * reps)[rep] if with_peer else None
                ratio = f"{cp.rps / ix.rps:.2f}" if ix and ix.rps else "-"
                print(f"| {name} | {n} | {rep + 1} | {cell(cp)} | {cell(ix) if ix else '-'} | {ratio} |")
    print("\nmedians over the repetitions")
    print("| scenario | clients | commonpool req/s (p95 ms) | indico req/s (p95 ms) | ratio |")
    print("|---|---|---|---|---|")
    for name in ("api search", "api create", "html search"):
        for n in clients:
            cps = rows[(name, n, "commonpool")]
            peer_name = "api search" if name == "html search" else name
            ixs = rows.get((peer_name, n, "indico")) if with_peer else None
            cp_rps, cp_p95 = statistics.median(r.rps for r in cps), statistics.median(r.p95_ms for r in cps)
            if ixs:
                ix_rps, ix_p95 = statistics.median(r.rps for r in ixs), statistics.median(r.p95_ms for r in ixs)
                ratios = [c.rps / i.rps for c, i in zip(cps, ixs) if i.rps]
                print(f"| {name} | {n} | {cp_rps:.0f} ({cp_p95:.0f}) | {ix_rps:.0f} ({ix_p95:.0f}) | "
                      f"{statistics.median(ratios):.2f} |")
            else:
                print(f"| {name} | {n} | {cp_rps:.0f} ({cp_p95:.0f}) | - | - |")
    for key, results in rows.items():
        bad = [s for r in results for s in r.samples]
        if bad:
            print(f"unexpected answers in {key}: {bad[:2]}")


def cell(r: Result) -> str:
    extra = ""
    if r.refused or r.errors:
        extra = f" [{r.refused} refused, {r.errors} errors]"
    return f"{r.rps:.0f} ({r.p95_ms:.0f}){extra}"


if __name__ == "__main__":
    raise SystemExit(main())
