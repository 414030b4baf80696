"""Runs whose job died are recorded as failed ("its worker stopped") by `flask bookings tick` and by a worker when
it starts (app/jobs.py reap_stopped_runs, fleet/reporting/stopped_runs.py), and a coordinator runs them again.

Redis is a redis-server of these tests' own (tests/faults/services.py), so deleting jobs touches nobody else's."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.allocation.optimiser_runs import create_run
from fleet.core.db import utcnow
from fleet.core.job_runs import STALL_GRACE
from fleet.models import FlexibleRequest, Member, OptimiserRun, PlanningRun, PlanningStatus, RequestStatus, Role, RunStatus
from fleet.reporting.fleet_plans import create_plan
from tests.faults.services import RedisServer, redis_server_available
from tests.helpers import at, login

needs_redis = pytest.mark.skipif(not redis_server_available(), reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_server():
    if not redis_server_available():
        pytest.skip("redis-server is not installed")
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def redis_jobs(app, redis_server):
    """The app hands jobs to the private Redis (emptied before and after); yields a client of it."""
    from redis import Redis

    connection = Redis.from_url(redis_server.url)
    connection.flushall()
    app.config.update(REDIS_URL=redis_server.url)
    yield connection
    app.config.update(REDIS_URL=None)
    connection.flushall()


@pytest.fixture
def world(make, session):
    hub = make.hub(opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60)
    make.asset(cars, hub, name="Car")
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    member = make.member()
    session.add(FlexibleRequest(member_id=member.id, category_id=cars.id, requires={}, earliest_start=at(2, 8),
                                latest_end=at(2, 18), duration_minutes=120, status=RequestStatus.waitlisted,
                                created_at=utcnow(), updated_at=utcnow()))
    session.commit()
    return dict(coordinator=coordinator.id)


def _run(session, world, status=RunStatus.queued, age=timedelta(minutes=5), time_limit=5) -> int:
    run = create_run(session, _coordinator(session, world), 7, utcnow() - age, time_limit=time_limit)
    if status == RunStatus.running:
        run.start()
    session.commit()
    run_id = run.id
    session.close()  # on SQLite an open transaction here would hold the lock the reaper needs
    return run_id


def _coordinator(session, world) -> Member:
    return session.get(Member, world["coordinator"])


def _get(session, model, run_id):
    session.expire_all()
    run = session.get(model, run_id)
    session.rollback()
    return run


def _reap():
    from app.jobs import reap_stopped_runs

    return reap_stopped_runs()


# --- without Redis: the time limit ----------------------------------------------------------------------------


def test_tick_records_a_run_silent_past_its_time_limit_as_failed(app, session, world):
    assert app.config.get("REDIS_URL") is None
    stalled = _run(session, world, RunStatus.running, age=STALL_GRACE + timedelta(minutes=1))
    young = _run(session, world, RunStatus.running, age=timedelta(minutes=1))
    plan = create_plan(session, _coordinator(session, world), 7, 5, utcnow() - STALL_GRACE - timedelta(minutes=1))
    session.commit()
    plan_id = plan.id
    session.close()
    result = app.test_cli_runner().invoke(args=["bookings", "tick"])
    assert result.exit_code == 0, result.output
    assert "'stopped_runs': 2" in result.output
    run = _get(session, OptimiserRun, stalled)
    assert run.status == RunStatus.failed and run.finished_at is not None
    assert run.error.startswith("Its worker stopped before the run finished (no word from it 10 minutes after")
    assert _get(session, OptimiserRun, young).status == RunStatus.running  # may still be computing
    assert _get(session, PlanningRun, plan_id).status == PlanningStatus.failed


# --- with Redis: the job ----------------------------------------------------------------------------------------


def test_a_run_left_running_with_no_job_is_recorded_failed(app, session, world, redis_jobs):
    run_id = _run(session, world, RunStatus.running)
    assert [(k, i) for k, i, _ in _reap()] == [("optimiser", run_id)]
    run = _get(session, OptimiserRun, run_id)
    assert run.status == RunStatus.failed
    assert run.error == ("Its worker stopped before the run finished (its job is no longer in Redis). Nothing was "
                         "changed; run it again.")


def test_a_job_deleted_from_redis_is_noticed_and_a_queued_one_is_left_alone(app, session, world, redis_jobs):
    from rq.job import Job

    from app.jobs import job_id, start_run

    kept, lost = _run(session, world), _run(session, world)
    assert start_run(kept) == "rq" and start_run(lost) == "rq"
    Job.fetch(job_id("optimiser", lost), connection=redis_jobs).delete()  # as a flush or a restart would
    assert [(k, i) for k, i, _ in _reap()] == [("optimiser", lost)]
    assert _get(session, OptimiserRun, lost).status == RunStatus.failed
    assert _get(session, OptimiserRun, kept).status == RunStatus.queued  # its job waits for a worker


def test_a_run_being_handed_over_is_not_taken_for_a_lost_one(app, session, world, redis_jobs):
    run_id = _run(session, world, age=timedelta(seconds=1))  # committed; its request is about to enqueue it
    assert _reap() == []
    assert _get(session, OptimiserRun, run_id).status == RunStatus.queued


def test_a_run_computed_by_the_cli_is_not_taken_for_a_lost_one(app, session, world, redis_jobs):
    from app.jobs import computing_inline

    run_id = _run(session, world, RunStatus.running)
    with app.app_context():
        computing_inline("optimiser", run_id, 60)
    assert _reap() == []


@pytest.mark.parametrize("status", ["failed", "stopped", "canceled"])
def test_a_job_that_ended_badly_in_the_worker_is_noticed(app, session, world, redis_jobs, status):
    """A work horse killed (out of memory, SIGKILL) leaves its job failed in rq and the run open."""
    from rq.job import Job, JobStatus

    from app.jobs import job_id, start_run

    run_id = _run(session, world, RunStatus.running)
    start_run(run_id)
    Job.fetch(job_id("optimiser", run_id), connection=redis_jobs).set_status(JobStatus(status))
    assert [i for _, i, _ in _reap()] == [run_id]
    assert f"its job ended as {status} in the worker" in _get(session, OptimiserRun, run_id).error


def _started_by(connection, run_id: int, worker_name: str, **worker_fields) -> None:
    from rq import Worker
    from rq.job import Job, JobStatus

    from app.jobs import job_id

    job = Job.fetch(job_id("optimiser", run_id), connection=connection)
    job.worker_name = worker_name
    job.save()
    job.set_status(JobStatus.STARTED)
    if worker_fields:
        connection.hset(Worker.redis_worker_namespace_prefix + worker_name, mapping=worker_fields)


def test_a_job_whose_worker_is_gone_is_noticed(app, session, world, redis_jobs):
    from app.jobs import start_run

    ghost, killed, alive = (_run(session, world, RunStatus.running) for _ in range(3))
    for run_id in (ghost, killed, alive):
        start_run(run_id)
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()  # a process that has ended
    _started_by(redis_jobs, ghost, "w-expired")  # its key expired: no heartbeat for a while
    _started_by(redis_jobs, killed, "w-killed", hostname=socket.gethostname(), pid=dead_pid)  # SIGKILLed just now
    _started_by(redis_jobs, alive, "w-alive", hostname=socket.gethostname(), pid=str(os.getppid()))
    assert sorted(i for _, i, _ in _reap()) == sorted([ghost, killed])
    assert "the worker running its job is gone" in _get(session, OptimiserRun, killed).error
    assert _get(session, OptimiserRun, alive).status == RunStatus.running


def test_a_worker_records_the_runs_its_predecessor_left_open_when_it_starts(app, session, world, redis_jobs):
    from rq import Queue

    from app.job_queue import QUEUE_NAME
    from app.workers import SimpleWorker

    run_id = _run(session, world, RunStatus.running)  # its worker died with Redis's data
    SimpleWorker([Queue(QUEUE_NAME, connection=redis_jobs)], connection=redis_jobs).work(burst=True)
    assert _get(session, OptimiserRun, run_id).status == RunStatus.failed


# --- running it again -------------------------------------------------------------------------------------------


def test_a_coordinator_runs_a_failed_run_again_with_the_same_settings(app, client, session, world, monkeypatch):
    import app.web.manage.optimiser as optimiser_pages
    from app.jobs import run_optimiser

    run = create_run(session, _coordinator(session, world), 5, utcnow() - STALL_GRACE - timedelta(minutes=1),
                     time_limit=7, method="greedy")
    run.start()
    session.commit()
    old_id = run.id
    session.close()
    _reap()
    login(client, "coord@example.org")
    html = client.get(f"/manage/optimiser/{old_id}").get_data(as_text=True)
    assert "Its worker stopped" in html and f'action="/manage/optimiser/{old_id}/again"' in html
    monkeypatch.setattr(optimiser_pages, "start_run", lambda rid: run_optimiser(rid, app) or "thread")
    r = client.post(f"/manage/optimiser/{old_id}/again")
    assert r.status_code == 302
    new = session.scalars(select(OptimiserRun).where(OptimiserRun.id != old_id)).one()
    assert (new.method, new.time_limit_seconds, new.status) == ("greedy", 7.0, RunStatus.preview)
    assert round((new.horizon_end - new.horizon_start) / timedelta(days=1)) == 5
    assert r.headers["Location"].endswith(f"/manage/optimiser/{new.id}")
    session.rollback()
    # only a failed run can be run again
    refused = client.post(f"/manage/optimiser/{new.id}/again", follow_redirects=True).get_data(as_text=True)
    assert "Only a failed run can be run again" in refused
    assert session.scalar(select(OptimiserRun.id).order_by(OptimiserRun.id.desc())) == new.id


def test_a_coordinator_plans_again_after_a_failed_plan(app, client, session, world, monkeypatch):
    import app.web.manage.planning as planning_pages

    plan = create_plan(session, _coordinator(session, world), 14, 6, utcnow() - STALL_GRACE - timedelta(minutes=1))
    session.commit()
    old_id = plan.id
    session.close()
    _reap()
    started = []
    monkeypatch.setattr(planning_pages, "start_planning_run", lambda rid: started.append(rid) or "rq")
    login(client, "coord@example.org")
    html = client.get(f"/manage/planning/{old_id}").get_data(as_text=True)
    assert "Its worker stopped" in html and f'action="/manage/planning/{old_id}/again"' in html
    r = client.post(f"/manage/planning/{old_id}/again")
    new = session.get(PlanningRun, started[0])
    assert r.headers["Location"].endswith(f"/manage/planning/{new.id}")
    assert new.status == PlanningStatus.queued and new.time_limit_seconds == 6
    assert round((new.period_end - new.period_start) / timedelta(days=1)) == 14


def test_a_worker_registers_again_when_redis_lost_its_registration(app, redis_jobs):
    """After a Redis restart without its data the worker's host and process id are back at its next heartbeat,
    so the reaper can tell whether a job it starts later is still being computed."""
    from rq import Queue

    from app.job_queue import QUEUE_NAME
    from app.workers import SimpleWorker

    worker = SimpleWorker([Queue(QUEUE_NAME, connection=redis_jobs)], connection=redis_jobs)
    worker.register_birth()
    redis_jobs.flushall()  # the restart
    worker.heartbeat()
    hostname, pid = redis_jobs.hmget(worker.key, "hostname", "pid")
    assert hostname.decode() == socket.gethostname() and int(pid) == os.getpid()
    assert worker.name in [w.name for w in SimpleWorker.all(connection=redis_jobs)]
