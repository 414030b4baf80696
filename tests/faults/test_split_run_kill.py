"""A split optimiser run (app/split_runs.py) whose part's work horse is SIGKILLed in a real `flask rq worker` (out
of memory, an operator): rq records the part as failed, the merge job still runs (its dependencies allow failure)
and fails the run naming the part; nothing is left open. Redis is a redis-server of this test's own."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from fleet.allocation.optimiser_runs import create_run
from fleet.core.db import utcnow
from fleet.models import BookingStatus, FlexibleRequest, OptimiserRun, RequestStatus, Role, RunStatus
from tests.faults.services import ROOT, RedisServer, app_env, children, redis_server_available
from tests.helpers import at

pytestmark = pytest.mark.skipif(not redis_server_available(), reason="redis-server is not installed")
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.close()


def _world(session, make) -> int:
    """Two categories: bikes, a few requests CP-SAT settles at once, and vans, 120 requests of awkward lengths
    over 4 vans in overlapping windows, a part that uses its whole time limit. The vans have a weekly quota that
    a third of the members have used up this week and a third half used, so the requests weigh 1, 2 or 3 per
    hour: then no bound the optimiser computes is reached by a plan, and the search goes on to the part's limit
    (with every request of one weight the vans' hours fill up to their bound within a second)."""
    hub = make.hub(opening_hours="24/7")
    coordinator = make.member(Role.coordinator)
    members = [make.member() for _ in range(12)]
    bikes = make.category(name="Bikes", min_duration_minutes=15)
    vans = make.category(name="Vans", min_duration_minutes=15, weekly_quota_hours=4)
    make.asset(bikes, hub, name="Bike")
    fleet = [make.asset(vans, hub, name=f"Van {k}") for k in range(4)]
    now = utcnow()
    for i, member in enumerate(members[:8]):
        start = now - timedelta(days=2, hours=6 * i)
        make.booking(fleet[i % 4], member, start, start + timedelta(hours=5 if i < 4 else 2.5),
                     status=BookingStatus.completed)
    for i in range(3):
        session.add(FlexibleRequest(member_id=members[i].id, category_id=bikes.id, requires={},
                                    earliest_start=at(2, 8 + 3 * i), latest_end=at(2, 10 + 3 * i),
                                    duration_minutes=60, status=RequestStatus.waitlisted, created_at=now,
                                    updated_at=now))
    for i in range(120):
        start = at(3, 6) + timedelta(minutes=15 * (i * 7 % 40))
        session.add(FlexibleRequest(member_id=members[i % 12].id, category_id=vans.id, requires={},
                                    earliest_start=start, latest_end=start + timedelta(hours=6 + i % 5),
                                    duration_minutes=45 + 15 * (i * 11 % 13), status=RequestStatus.waitlisted,
                                    created_at=now - timedelta(minutes=i), updated_at=now))
    run = create_run(session, coordinator, 7, now, time_limit=30)
    session.commit()
    run_id = run.id
    session.close()  # on SQLite an open transaction here would hold the lock the worker needs
    return run_id


def _run(session, run_id) -> tuple[RunStatus, str]:
    """The run's status and error, read in a transaction ended at once (on SQLite an open one would hold the lock
    the worker's jobs need)."""
    session.expire_all()
    run = session.get(OptimiserRun, run_id)
    status, error = run.status, run.error
    session.rollback()
    return status, error


def test_a_part_whose_work_horse_is_killed_fails_the_run_naming_it(app, session, make, database_url,
                                                                     redis_server, tmp_path):
    from redis import Redis
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from app.jobs import start_run
    from app.split_runs import _split_key

    run_id = _world(session, make)
    connection = Redis.from_url(redis_server.url)
    app.config.update(REDIS_URL=redis_server.url)
    worker = subprocess.Popen([FLASK, "rq", "worker"], cwd=ROOT, env=app_env(database_url, redis_server.url, tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert start_run(run_id) == "rq"
        deadline = time.monotonic() + 60
        killed = None
        while killed is None and time.monotonic() < deadline:
            recorded = connection.get(_split_key(run_id))
            for number, part_id in enumerate(json.loads(recorded)[:-1] if recorded else [], start=1):
                try:
                    part = Job.fetch(part_id, connection=connection)
                except NoSuchJobError:  # the run records its parts' ids before it enqueues them
                    continue
                started = part.started_at
                # the long part: still running a second after it started (the small ones take milliseconds)
                if part.get_status() == "started" and started and utcnow() - started.replace(
                        tzinfo=utcnow().tzinfo) > timedelta(seconds=1):
                    horses = children(worker.pid)
                    assert horses, "the worker has no work horse while a part is started"
                    for horse in horses:
                        os.kill(horse, signal.SIGKILL)
                    killed = number
                    break
            time.sleep(0.1)
        assert killed is not None, "no part ran long enough to be killed"
        deadline = time.monotonic() + 60
        while _run(session, run_id)[0] in (RunStatus.queued, RunStatus.running) and time.monotonic() < deadline:
            time.sleep(0.3)
        status, error = _run(session, run_id)
        assert status == RunStatus.failed, status
        assert f"part {killed} of" in error and "ended as failed in the worker" in error, error
    finally:
        app.config.update(REDIS_URL=None)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
