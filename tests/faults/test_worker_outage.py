"""`flask rq worker` through a Redis outage: a real worker process and a redis-server of the test's own (never the
shared one), stopped and started again. The worker must still be there afterwards and run the next job."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fleet.allocation.optimiser_runs import create_run
from fleet.core.db import utcnow
from fleet.models import FlexibleRequest, OptimiserRun, RequestStatus, Role, RunStatus
from tests.faults.services import ROOT, RedisServer, app_env, redis_server_available
from tests.helpers import at

pytestmark = pytest.mark.skipif(not redis_server_available(), reason="redis-server is not installed")
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def redis_server():
    server = RedisServer()
    yield server
    server.close()


def _open_run(session, make) -> int:
    hub = make.hub(opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60)
    make.asset(cars, hub, name="Car")
    coordinator, member = make.member(Role.coordinator), make.member()
    session.add(FlexibleRequest(member_id=member.id, category_id=cars.id, requires={}, earliest_start=at(2, 8),
                                latest_end=at(2, 18), duration_minutes=120, status=RequestStatus.waitlisted,
                                created_at=utcnow(), updated_at=utcnow()))
    run = create_run(session, coordinator, 7, utcnow(), time_limit=1)
    session.commit()
    run_id = run.id
    session.close()  # on SQLite an open transaction here would hold the lock the worker needs
    return run_id


def _status(session, run_id: int) -> RunStatus:
    session.expire_all()
    status = session.get(OptimiserRun, run_id).status
    session.rollback()
    return status


def test_the_worker_waits_for_redis_outlives_an_outage_and_runs_the_next_job(app, session, make, database_url, redis_server,
                                                                  tmp_path):
    from app.jobs import start_run

    run_id = _open_run(session, make)
    env = app_env(database_url, redis_server.url, tmp_path, RQ_WORKER_MAX_BACKOFF_SECONDS="2")
    worker = subprocess.Popen([FLASK, "rq", "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(4)  # Redis is not there yet: the worker waits for it instead of exiting
        assert worker.poll() is None, "the worker exited because Redis was not there when it started"
        redis_server.start()
        time.sleep(4)  # it connects and waits for jobs
        redis_server.stop()
        time.sleep(4)  # an outage while it waits
        assert worker.poll() is None, "the worker exited when Redis went away"
        redis_server.start()
        app.config.update(REDIS_URL=redis_server.url)
        try:
            assert start_run(run_id) == "rq"
        finally:
            app.config.update(REDIS_URL=None)
        deadline = time.monotonic() + 60
        while _status(session, run_id) in (RunStatus.queued, RunStatus.running) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _status(session, run_id) == RunStatus.preview
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        output = worker.communicate(timeout=10)[0]
    assert "Redis" in output and ("trying again" in output or "retrying" in output), output[-3000:]


def test_a_worker_killed_with_its_job_is_noticed_by_the_next_one(app, session, make, database_url, redis_server,
                                                                 tmp_path):
    """The worker and its work horse are killed mid-job (SIGKILL, as a supervisor that kills the whole unit
    does); the run is left queued or running. The worker that replaces it records the run as failed when it
    starts, and a coordinator's "run again" then goes through."""
    from redis import Redis
    from rq.job import Job

    from app.jobs import job_id, start_run
    from fleet.allocation.optimiser_runs import run_again
    from fleet.models import Member
    from tests.faults.services import kill_tree

    run_id = _open_run(session, make)
    redis_server.start()
    env = app_env(database_url, redis_server.url, tmp_path)
    connection = Redis.from_url(redis_server.url)
    app.config.update(REDIS_URL=redis_server.url)
    try:
        assert start_run(run_id) == "rq"
        first = subprocess.Popen([FLASK, "rq", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        job = Job.fetch(job_id("optimiser", run_id), connection=connection)
        deadline = time.monotonic() + 30
        while job.get_status() != "started" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert job.get_status() == "started"
        kill_tree(first.pid)  # the worker and its work horse, mid-job
        first.wait(10)
        assert _status(session, run_id) in (RunStatus.queued, RunStatus.running)
        second = subprocess.Popen([FLASK, "rq", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while _status(session, run_id) != RunStatus.failed and time.monotonic() < deadline:
                time.sleep(0.2)
            run = session.get(OptimiserRun, run_id)
            assert run.status == RunStatus.failed, run.status
            assert "Its worker stopped" in run.error and "the worker running its job is gone" in run.error
            coordinator = session.get(Member, run.started_by_id)
            again = run_again(session, coordinator, run_id, utcnow()).id
            session.commit()
            session.close()
            assert start_run(again) == "rq"
            deadline = time.monotonic() + 60
            while _status(session, again) != RunStatus.preview and time.monotonic() < deadline:
                time.sleep(0.3)
            assert _status(session, again) == RunStatus.preview
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
    finally:
        app.config.update(REDIS_URL=None)
