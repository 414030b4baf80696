"""The fault suite (`make test-faults`): production-like Commonpool under load while its parts fail.

The suite starts everything itself on free ports and throws it away afterwards: a PostgreSQL database it creates
and drops (127.0.0.1:5432), a redis-server of its own (never the shared one), gunicorn with 4 sync workers
(COMMONPOOL_ENV=production, the demo community) and an RQ worker (`flask rq worker`) that the suite supervises
as systemd would: when its process dies it is started again a second later. Mail delivery is off and the cookie
is not Secure (plain HTTP on loopback); everything else is the production configuration.

Members book contested assets through the API with an Idempotency-Key and send the same request again after a
503 or a lost connection, as a client should; others ask flexibly; a coordinator starts optimiser runs (web
form) and fleet plans (API). Meanwhile, one after another:

    gunicorn worker killed      SIGKILL to two of gunicorn's workers
    PostgreSQL backends killed  pg_terminate_backend of every connection to the app's database, for 4 s
    Redis stopped, restarted    a 6 s outage; a run and a plan are started during it
    RQ worker killed mid-run    the worker and its work horse, SIGKILLed while an optimiser run is computed

Afterwards: no overlapping holding bookings, no acknowledged booking missing, no booking saved without its
client hearing so, no run left queued or running (the reaper ran), and each fault recovered without a
manual step within RECOVERY_LIMIT seconds. A table of the figures is printed.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.faults.services import ROOT, RedisServer, app_env, children, free_port, kill_tree, redis_server_available
from tests.helpers import postgres_admin_url, postgres_available

pytestmark = pytest.mark.faults

BIN = Path(sys.executable).parent
RECOVERY_LIMIT = 30.0  # seconds from the end of a fault until requests succeed again
CONTESTED_ASSETS = 6  # bookings go to a few assets, so that they collide
BOOKERS, ASKERS = 8, 2
PASSWORD = "commonpool-demo"
COORDINATOR = "coordinator@demo.commonpool.org"
OPEN = ("queued", "running")
WAITLIST = 1200  # waitlisted requests: an optimiser run over them computes for a few seconds, long enough to kill


# --- the stack ----------------------------------------------------------------------------------------------------


class Supervised:
    """`flask rq worker`, started again one second after its process dies (systemd's Restart=always)."""

    def __init__(self, env: dict, log_path: Path):
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="rq-worker-supervisor", daemon=True)

    def start(self) -> Supervised:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        with open(self.log_path, "a") as log:  # the child writes to its own copy of the descriptor
            self.proc = subprocess.Popen([str(BIN / "flask"), "rq", "worker"], cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)
        self.starts += 1

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            if self.proc.poll() is not None and not self._stopping.wait(1.0):
                self._spawn()
            time.sleep(0.1)

    def kill(self) -> None:
        kill_tree(self.proc.pid)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                kill_tree(self.proc.pid)


@dataclass
class Stack:
    base: str
    database_url: str
    admin_url: str
    dbname: str
    env: dict
    redis: RedisServer
    gunicorn: subprocess.Popen
    worker: Supervised
    tokens: list[str]
    coordinator_token: str
    assets: list[int]
    categories: list[int]
    tmp: Path


def _flask(env: dict, *args: str, timeout: float = 120) -> str:
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _world(url: str) -> dict:
    """API tokens for the members and the coordinator, the contested assets, and a waitlist for the optimiser."""
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from fleet.core.db import utcnow
    from fleet.members.tokens import issue_token
    from fleet.models import Asset, AssetStatus, Category, FlexibleRequest, Member, RequestStatus, Role

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        now = utcnow()
        members = db.session.scalars(select(Member).where(Member.role == Role.member, Member.active.is_(True))
                                     .order_by(Member.id).limit(BOOKERS + ASKERS)).all()
        coordinator = db.session.scalar(select(Member).where(Member.email == COORDINATOR))
        tokens = [issue_token(db.session, m, "faults", now)[0] for m in members]
        coordinator_token = issue_token(db.session, coordinator, "faults", now)[0]
        # assets anyone may book at any hour (24/7 hub, no approval), so that collisions are between bookings
        assets = [a.id for a in db.session.scalars(select(Asset).where(Asset.status == AssetStatus.active)
                                                   .order_by(Asset.id))
                  if a.hub.opening_hours == "24/7" and not a.category.approval_required
                  and a.category.min_notice_minutes <= 60 and a.category.min_duration_minutes <= 60][:CONTESTED_ASSETS]
        categories = db.session.scalars(select(Category.id).where(Category.retired.is_(False))).all()
        rng = random.Random(7)
        start = now.replace(minute=0, second=0, microsecond=0)
        for _ in range(WAITLIST):
            earliest = start + timedelta(days=rng.randint(1, 6), hours=rng.randint(6, 12))
            db.session.add(FlexibleRequest(member_id=rng.choice(members).id, category_id=rng.choice(categories),
                                           requires={}, earliest_start=earliest,
                                           latest_end=earliest + timedelta(hours=8),
                                           duration_minutes=rng.choice((60, 120, 180)),
                                           status=RequestStatus.waitlisted, created_at=now, updated_at=now))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert len(assets) >= 3, "the demo community has too few bookable assets for the suite"
    return dict(tokens=tokens, coordinator_token=coordinator_token, assets=assets, categories=list(categories))


def _wait_http(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "gunicorn exited"
        time.sleep(0.2)
    raise AssertionError("gunicorn did not answer /healthz")


@pytest.fixture(scope="module")
def stack():
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required in CI but does not answer on 127.0.0.1:5432")
        pytest.skip("the fault suite needs PostgreSQL on 127.0.0.1:5432")
    if not redis_server_available():
        pytest.fail("the fault suite needs redis-server")
    import psycopg

    admin = postgres_admin_url()
    dbname = f"commonpool_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{dbname}"
    tmp = Path(tempfile.mkdtemp(prefix="commonpool-faults-"))
    redis = RedisServer().start()
    env = app_env(url, redis.url, tmp, SESSION_COOKIE_SECURE="0", MAIL_DELIVERY="off",
                  RQ_WORKER_MAX_BACKOFF_SECONDS="2", RUN_HANDOVER_GRACE_SECONDS="5", RUN_REAPER_INTERVAL_SECONDS="5",
                  LOGIN_MAX_FAILURES_PER_ADDRESS="1000")
    gunicorn = worker = None
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "demo", "load")
        world = _world(url)
        port = free_port()
        with open(tmp / "gunicorn.log", "w") as log:
            gunicorn = subprocess.Popen([str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout",
                                         "30", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"],
                                        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        _wait_http(base, gunicorn)
        worker = Supervised(env, tmp / "worker.log").start()
        yield Stack(base=base, database_url=url, admin_url=admin, dbname=dbname, env=env, redis=redis,
                    gunicorn=gunicorn, worker=worker, tmp=tmp, **world)
    finally:
        if worker is not None:
            worker.stop()
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(20)
            except subprocess.TimeoutExpired:
                kill_tree(gunicorn.pid)
        redis.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


# --- load ---------------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    attempts: int = 0
    successes: int = 0
    refused: int = 0  # 409 taken, 422 refused by a rule: answers, not failures
    server_errors: int = 0  # 5xx
    internal_errors: int = 0  # exactly 500: never acceptable
    dropped: int = 0  # the connection broke (a gunicorn worker killed under the request)
    acknowledged: list[int] = field(default_factory=list)  # booking ids a client got a 201 for
    unresolved: int = 0  # bookings whose client gave up without a final answer
    recovery: float | None = None
    notes: list[str] = field(default_factory=list)

    def count(self, status: int | None) -> None:
        self.attempts += 1
        if status is None:
            self.dropped += 1
        elif status >= 500:
            self.server_errors += 1
            self.internal_errors += status == 500
        elif status in (409, 422):
            self.refused += 1
        else:
            self.successes += 1


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


async def _book(http: httpx.AsyncClient, tally: Tally, rng: random.Random, stack: Stack, stop_at: float,
                mine: list[int]) -> None:
    """One booking, sent again with the same Idempotency-Key after a 503 or a broken connection until it gets a
    final answer (as a careful client does)."""
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day + timedelta(days=rng.randint(2, 4), hours=rng.randint(0, 23))
    body = {"asset_id": rng.choice(stack.assets), "start": _iso(start),
            "end": _iso(start + timedelta(hours=rng.choice((1, 2, 3))))}
    key = uuid.uuid4().hex
    give_up = max(stop_at, time.monotonic()) + 30
    while True:
        try:
            r = await http.post("/api/v1/bookings", json=body, headers={"Idempotency-Key": key})
            status = r.status_code
        except httpx.HTTPError:
            status = None
        tally.count(status)
        if status == 201:
            tally.acknowledged.append(r.json()["id"])
            mine.append(r.json()["id"])
            return
        if status is not None and status < 500:
            return
        if time.monotonic() > give_up:
            tally.unresolved += 1
            return
        await asyncio.sleep(0.2 + rng.random() * 0.3)


async def booker(n: int, stack: Stack, tally: Tally, stop_at: float) -> None:
    rng = random.Random(n * 7919 + int(time.time()))
    mine: list[int] = []
    headers = {"Authorization": f"Bearer {stack.tokens[n % len(stack.tokens)]}"}
    async with httpx.AsyncClient(base_url=stack.base, timeout=20, headers=headers) as http:
        while time.monotonic() < stop_at:
            if mine and rng.random() < 0.15:
                try:
                    r = await http.post(f"/api/v1/bookings/{mine.pop(rng.randrange(len(mine)))}/cancel")
                    tally.count(r.status_code)
                except httpx.HTTPError:
                    tally.count(None)
            else:
                await _book(http, tally, rng, stack, stop_at, mine)
            await asyncio.sleep(rng.uniform(0.02, 0.08))


async def asker(n: int, stack: Stack, tally: Tally, stop_at: float) -> None:
    """Flexible requests, solved at once or waitlisted; concurrent ones may deadlock (the server runs them again)."""
    rng = random.Random(n * 104729 + int(time.time()))
    headers = {"Authorization": f"Bearer {stack.tokens[(BOOKERS + n) % len(stack.tokens)]}"}
    day = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    async with httpx.AsyncClient(base_url=stack.base, timeout=20, headers=headers) as http:
        while time.monotonic() < stop_at:
            start = day + timedelta(days=rng.randint(2, 4), hours=rng.randint(6, 14))
            try:
                r = await http.post("/api/v1/requests", json={
                    "category_id": rng.choice(stack.categories), "earliest_start": _iso(start),
                    "latest_end": _iso(start + timedelta(hours=6)), "duration_minutes": 60})
                tally.count(r.status_code)
            except httpx.HTTPError:
                tally.count(None)
            await asyncio.sleep(rng.uniform(0.1, 0.3))


async def _until_ok(make_request, deadline: float = RECOVERY_LIMIT * 2) -> float:
    """Seconds until `make_request()` answers below 500 (its own time counted)."""
    began = time.monotonic()
    while time.monotonic() - began < deadline:
        try:
            if (await make_request()).status_code < 500:
                return time.monotonic() - began
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.1)
    return float("inf")


# --- the coordinator ------------------------------------------------------------------------------------------------


class Coordinator:
    """The coordinator's browser session (web forms with CSRF) and API token."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.web = httpx.Client(base_url=stack.base, timeout=30, follow_redirects=False)
        self.api = httpx.Client(base_url=stack.base + "/api/v1", timeout=30,
                                headers={"Authorization": f"Bearer {stack.coordinator_token}"})

    def _csrf(self, path: str) -> str:
        html = self.web.get(path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def login(self) -> None:
        r = self.web.post("/login", data={"email": COORDINATOR, "password": PASSWORD,
                                          "csrf_token": self._csrf("/login")})
        assert r.status_code == 302, r.text[:500]

    def start_optimiser_run(self) -> tuple[int, httpx.Response]:
        r = self.web.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "10", "method": "cpsat",
                                                      "csrf_token": self._csrf("/manage/optimiser")})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return int(r.headers["Location"].rsplit("/", 1)[1]), r

    def run_again(self, run_id: int) -> int:
        r = self.web.post(f"/manage/optimiser/{run_id}/again",
                          data={"csrf_token": self._csrf(f"/manage/optimiser/{run_id}")})
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return int(r.headers["Location"].rsplit("/", 1)[1])

    def start_plan(self) -> dict:
        r = self.api.post("/planning-runs", json={"days": 14, "time_limit_seconds": 2})
        assert r.status_code == 202, (r.status_code, r.text[:500])
        return r.json()

    def plan_status(self, run_id: int) -> str:
        return self.api.get(f"/planning-runs/{run_id}").json()["status"]

    def close(self) -> None:
        self.web.close()
        self.api.close()


def _run_status(stack: Stack, run_id: int) -> str:
    import psycopg

    with psycopg.connect(stack.database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT status FROM optimiser_run WHERE id = %s", (run_id,)).fetchone()[0]


def _wait_for(predicate, seconds: float, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


# --- the faults -----------------------------------------------------------------------------------------------------


def kill_gunicorn_workers(stack: Stack, tally: Tally) -> float:
    workers = children(stack.gunicorn.pid)
    assert len(workers) == 4, workers
    for pid in random.sample(workers, 2):
        os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)
    killed_at = time.monotonic()
    back = _wait_for(lambda: len([p for p in children(stack.gunicorn.pid) if p not in workers]) >= 2, 30)
    assert back, "gunicorn did not replace its killed workers"
    tally.notes.append("2 workers SIGKILLed, replaced by gunicorn")
    return time.monotonic() - killed_at


def kill_postgres_backends(stack: Stack, tally: Tally) -> float:
    import psycopg

    killed = 0
    with psycopg.connect(stack.admin_url, autocommit=True) as admin:
        until = time.monotonic() + 4
        while time.monotonic() < until:
            killed += sum(1 for (ok,) in admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                "pg_backend_pid()", (stack.dbname,)).fetchall() if ok)
            time.sleep(0.25)
    tally.notes.append(f"{killed} backends terminated")
    return 0.0


def stop_and_restart_redis(stack: Stack, tally: Tally, coordinator: Coordinator) -> float:
    starts_before = stack.worker.starts
    stack.redis.stop()
    time.sleep(1)
    # starting background work while Redis is down: recorded as failed at once, never a 500 or a queued run
    run_id, _ = coordinator.start_optimiser_run()
    plan = coordinator.start_plan()
    assert _run_status(stack, run_id) == "failed", "an optimiser run started while Redis was down is not failed"
    assert plan["status"] == "failed", plan
    time.sleep(5)
    stack.redis.start()
    restarted_at = time.monotonic()
    # back without a manual step: the worker reconnects by itself and computes a new plan
    plan = coordinator.start_plan()
    assert _wait_for(lambda: coordinator.plan_status(plan["id"]) == "finished", 60, 0.3), \
        f"plan {plan['id']} is {coordinator.plan_status(plan['id'])} after Redis came back"
    recovered = time.monotonic() - restarted_at
    assert stack.worker.starts == starts_before, "the worker process had to be restarted after the Redis outage"
    tally.notes.append("run and plan started during the outage recorded failed; worker reconnected by itself")
    return recovered


def kill_rq_worker_mid_run(stack: Stack, tally: Tally, coordinator: Coordinator) -> float:
    from redis import Redis
    from rq.job import Job

    from app.jobs import job_id

    run_id, _ = coordinator.start_optimiser_run()
    connection = Redis.from_url(stack.redis.url)
    job = Job.fetch(job_id("optimiser", run_id), connection=connection)
    assert _wait_for(lambda: _run_status(stack, run_id) != "queued", 60, 0.02)
    status = _run_status(stack, run_id)
    assert status == "running" and job.get_status() == "started", f"run {run_id} ended before it could be killed"
    starts = stack.worker.starts
    stack.worker.kill()  # the worker and its work horse, mid-run
    killed_at = time.monotonic()
    status_at_kill = _run_status(stack, run_id)
    assert _wait_for(lambda: stack.worker.starts > starts, 30), "the supervisor did not start the worker again"
    assert _wait_for(lambda: _run_status(stack, run_id) == "failed", 60), \
        f"run {run_id} is {_run_status(stack, run_id)}: the new worker did not record it as failed"
    again = coordinator.run_again(run_id)
    assert _wait_for(lambda: _run_status(stack, again) == "preview", 90, 0.3), \
        f"run {again} (run again) is {_run_status(stack, again)}"
    tally.notes.append(f"run {run_id} killed while {status_at_kill}, recorded failed; run again {again}: preview")
    return time.monotonic() - killed_at


# --- the suite ----------------------------------------------------------------------------------------------------


def _phase(stack: Stack, seconds: float, fault=None, after: float = 2.0) -> Tally:
    """Load for `seconds`; `fault(tally)` runs `after` seconds in (in a thread) and returns the seconds it took
    to recover by its own measure; a probe then measures the time until a booking request is answered again."""
    tally = Tally()

    async def run() -> None:
        stop_at = time.monotonic() + seconds
        load = [booker(n, stack, tally, stop_at) for n in range(BOOKERS)]
        load += [asker(n, stack, tally, stop_at) for n in range(ASKERS)]

        async def inject() -> None:
            if fault is None:
                return
            await asyncio.sleep(after)
            own = await asyncio.to_thread(fault, tally)
            headers = {"Authorization": f"Bearer {stack.tokens[0]}"}
            async with httpx.AsyncClient(base_url=stack.base, timeout=10, headers=headers) as http:
                probe = await _until_ok(lambda: http.get("/api/v1/bookings"))
            tally.recovery = max(own, probe)

        await asyncio.gather(*load, inject())

    asyncio.run(run())
    return tally


def _check(stack: Stack) -> dict:
    """Figures over the whole database: overlapping holding pairs, bookings saved with a key whose client never
    heard, and open runs."""
    from sqlalchemy import and_, create_engine, func, select
    from sqlalchemy.orm import Session, aliased

    from fleet.models import HOLDING_STATUSES, Booking, IdempotencyKey, OptimiserRun, PlanningRun

    engine = create_engine(stack.database_url)
    with Session(engine) as s:
        a, b = aliased(Booking), aliased(Booking)
        overlaps = s.scalar(select(func.count()).select_from(a).join(b, and_(
            a.asset_id == b.asset_id, a.id < b.id, a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
            a.start_at < b.end_at, b.start_at < a.end_at)))
        existing = set(s.scalars(select(Booking.id)))
        keyed = {json.loads(body)["id"] for body, code in s.execute(
            select(IdempotencyKey.response_body, IdempotencyKey.status_code)) if code == 201 and body}
        open_runs = [(kind, run_id, status.value) for kind, model in (("optimiser", OptimiserRun),
                                                                      ("planning", PlanningRun))
                     for run_id, status in s.execute(select(model.id, model.status)) if status.value in OPEN]
    engine.dispose()
    return dict(overlaps=overlaps, existing=existing, keyed=keyed, open_runs=open_runs)


def test_the_service_survives_its_faults(stack):
    coordinator = Coordinator(stack)
    coordinator.login()
    phases: list[tuple[str, Tally]] = []
    try:
        phases.append(("none (baseline)", _phase(stack, 6)))
        phases.append(("gunicorn worker SIGKILL", _phase(stack, 10,
                                                         lambda t: kill_gunicorn_workers(stack, t))))
        phases.append(("PostgreSQL backends terminated", _phase(stack, 10,
                                                                lambda t: kill_postgres_backends(stack, t))))
        phases.append(("Redis stopped, restarted", _phase(stack, 10,
                                                          lambda t: stop_and_restart_redis(stack, t, coordinator))))
        phases.append(("RQ worker SIGKILL mid-run", _phase(stack, 10,
                                                           lambda t: kill_rq_worker_mid_run(stack, t, coordinator))))
        # cron's tick after the dust settles: runs whose jobs Redis lost in its restart are recorded as failed
        time.sleep(float(stack.env["RUN_HANDOVER_GRACE_SECONDS"]) + 1)
        tick = _flask(stack.env, "bookings", "tick")
    except BaseException:
        _print_logs(stack)
        raise
    finally:
        coordinator.close()
    figures = _check(stack)
    rows = []
    for name, tally in phases:
        lost = len([i for i in tally.acknowledged if i not in figures["existing"]])
        rows.append((name, tally, lost))
    acknowledged = {i for _, t in phases for i in t.acknowledged}
    unheard = sorted(figures["keyed"] - acknowledged)
    _print_table(rows, figures, unheard, tick)

    try:
        _verdict(rows, figures, unheard)
    except AssertionError:
        _print_logs(stack)
        raise


def _verdict(rows, figures: dict, unheard: list) -> None:
    for name, tally, lost in rows:
        assert tally.internal_errors == 0, f"{name}: {tally.internal_errors} answers were 500"
        assert lost == 0, f"{name}: {lost} acknowledged bookings are not in the database"
        assert tally.unresolved == 0, f"{name}: {tally.unresolved} bookings never got a final answer"
        assert tally.recovery is None or tally.recovery <= RECOVERY_LIMIT, f"{name}: recovered in {tally.recovery} s"
    baseline = rows[0][1]
    assert baseline.server_errors == 0 and baseline.dropped == 0, "errors without any fault"
    assert figures["overlaps"] == 0, f"{figures['overlaps']} overlapping holding bookings"
    assert not unheard, f"bookings saved whose client never got its 201: {unheard}"
    assert not figures["open_runs"], f"runs left open after recovery: {figures['open_runs']}"
    assert all(t.successes for _, t, _ in rows), "a phase where nothing succeeded"


def _print_logs(stack: Stack) -> None:
    """The ends of the server logs, to see why (the suite's temporary directory goes with it)."""
    for name in ("gunicorn.log", "worker.log"):
        path = stack.tmp / name
        if path.exists():
            lines = path.read_text().splitlines()
            warnings = [line for line in lines if "database unavailable" in line]
            if warnings:  # the 503s' causes, wherever they fell in the run
                print(f"\n--- {name}: database warnings ({len(warnings)}) ---\n" + "\n".join(warnings[:40]), flush=True)
            print(f"\n--- {name} (last 80 lines) ---\n" + "\n".join(lines[-80:]), flush=True)


def _print_table(rows, figures: dict, unheard: list, tick: str) -> None:
    header = ("fault", "attempts", "successes", "409/422", "5xx", "500", "dropped", "lost", "overlaps",
              "recovery s")
    lines = ["", "## Fault suite", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, t, lost in rows:
        recovery = "—" if t.recovery is None else f"{t.recovery:.1f}"
        lines.append(f"| {name} | {t.attempts} | {t.successes} | {t.refused} | {t.server_errors} | "
                     f"{t.internal_errors} | {t.dropped} | {lost} | {figures['overlaps']} | {recovery} |")
    lines.append("")
    for name, t, _ in rows:
        if t.notes:
            lines.append(f"- {name}: {'; '.join(t.notes)}")
    lines.append(f"- after recovery: {len(figures['open_runs'])} runs queued or running; bookings saved without "
                 f"their client hearing: {len(unheard)}; `flask bookings tick`: {tick.strip()}")
    lines.append("- 5xx are 503 answers (Retry-After) while a part is down; clients send them again with the "
                 "same Idempotency-Key. 'dropped' is a connection broken by a killed gunicorn worker.")
    lines.append(f"- {sum(t.attempts for _, t, _ in rows)} requests in all")
    print("\n".join(lines), flush=True)
