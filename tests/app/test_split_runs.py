"""An optimiser run split across RQ workers (app/split_runs.py) against the same run solved in one process: the
same checked plan on an instance solved to optimality, and a part that fails or whose worker dies fails the run
with the reason. Redis is the shared one on 127.0.0.1:6379, in a database number of this test's own."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import uuid

import pytest

from fleet.allocation.optimiser_runs import create_run, execute_run
from fleet.core.db import utcnow
from fleet.models import FlexibleRequest, OptimiserRun, RequestStatus, Role, RunStatus
from tests.helpers import at


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_up(),
                                reason="Redis is not running on 127.0.0.1:6379 (CI and the project machines have it)")


@pytest.fixture
def three_categories(make, session):
    """Cars, vans and bikes at two hubs, each category with more requests than its assets can serve at once:
    three independent subproblems (at least), each small enough for CP-SAT to prove optimal."""
    north = make.hub(opening_hours="24/7", lat=52.09, lon=5.12)
    south = make.hub(opening_hours="24/7", lat=52.05, lon=5.10)
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    members = [make.member() for _ in range(6)]
    for k, name in enumerate(("Cars", "Vans", "Bikes")):
        category = make.category(name=name, min_duration_minutes=60)
        make.asset(category, north, name=f"{name} north")
        make.asset(category, south, name=f"{name} south")
        for i, member in enumerate(members):
            session.add(FlexibleRequest(
                member_id=member.id, category_id=category.id, requires={}, earliest_start=at(2 + k, 8),
                latest_end=at(2 + k, 12 + i // 2), duration_minutes=60 * (2 + (i + k) % 3), lat=52.06 + 0.01 * i,
                lon=5.11, status=RequestStatus.waitlisted, created_at=utcnow(), updated_at=utcnow()))
    session.commit()
    return dict(coordinator=coordinator.id)


@pytest.fixture
def rq_redis(app, database_url):
    """The app hands jobs to a Redis database of this test's own (emptied before and after)."""
    from redis import Redis

    url = f"redis://127.0.0.1:6379/{9 + uuid.uuid4().int % 6}"
    connection = Redis.from_url(url)
    connection.flushdb()
    app.config.update(REDIS_URL=url, JOB_DATABASE_URL=database_url)
    yield connection
    app.config.update(REDIS_URL=None, JOB_DATABASE_URL=None)
    connection.flushdb()


def _new_run(session, world, time_limit=20) -> int:
    from fleet.models import Member

    run = create_run(session, session.get(Member, world["coordinator"]), 14, utcnow(), time_limit=time_limit)
    session.commit()
    run_id = run.id
    session.close()  # on SQLite a transaction left open here would hold the lock the worker needs
    return run_id


def _get(session, run_id) -> OptimiserRun:
    session.expire_all()
    return session.get(OptimiserRun, run_id)


def _work(connection, max_jobs=None):
    from rq import Queue

    from app.job_queue import QUEUE_NAME
    from app.workers import SimpleWorker

    SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=True,
                                                                                         max_jobs=max_jobs)


def _parts(connection, run_id) -> list[str]:
    from app.split_runs import _split_key

    *parts, _merge = json.loads(connection.get(_split_key(run_id)))
    return parts


def test_a_split_run_gives_the_checked_plan_of_the_single_process_run(app, session, three_categories, rq_redis):
    from rq.job import Job

    from app.jobs import start_run
    from scheduling import check_solution, problem_to_dict, solution_from_dict, solution_to_dict

    # a generous limit: each subproblem proves in milliseconds on a quiet machine, and the limit only bounds
    # how long a starved CI worker may take to prove it (a part gets a third of it, one worker for three parts)
    whole_id = _new_run(session, three_categories, time_limit=60)
    execute_run(session, whole_id, utcnow())
    session.commit()
    split_id = _new_run(session, three_categories, time_limit=60)
    assert start_run(split_id) == "rq"
    _work(rq_redis)

    parts = _parts(rq_redis, split_id)
    assert len(parts) >= 3
    assert all(Job.fetch(p, connection=rq_redis).get_status() == "finished" for p in parts)
    whole, split = _get(session, whole_id), _get(session, split_id)
    assert whole.status == split.status == RunStatus.preview, split.error
    assert whole.solver_status == split.solver_status == "optimal"
    assert split.requests_count == whole.requests_count == 18
    assert (split.served, split.weighted_hours) == (whole.served, whole.weighted_hours)
    assert split.distance_km == pytest.approx(whole.distance_km, abs=1e-3)
    assert split.fcfs_served == whole.fcfs_served
    assert split.served < split.requests_count  # not trivial: the assets cannot take every request
    # the stored plan passes the independent checker against the run's problem, as the single run's does
    from fleet.allocation import scheduling_adapter as adapter
    from fleet.allocation.fair_share import priorities
    from fleet.allocation.optimiser_runs import open_requests

    requests = open_requests(session, split.horizon_start, split.horizon_end)
    problem = adapter.snapshot_problem(session, requests, utcnow(), priorities(session, requests, utcnow())).problem
    for run in (whole, split):
        assert check_solution(problem_to_dict(problem), solution_to_dict(solution_from_dict(
            json.loads(run.solution_json)))) is None


def test_a_problem_that_does_not_split_is_solved_by_the_runs_own_job(app, session, make, rq_redis):
    from app.jobs import start_run
    from app.split_runs import _split_key

    hub = make.hub(opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60)
    make.asset(cars, hub, name="Car")
    coordinator, member = make.member(Role.coordinator, email="coord@example.org"), make.member()
    session.add(FlexibleRequest(member_id=member.id, category_id=cars.id, requires={}, earliest_start=at(2, 8),
                                latest_end=at(2, 18), duration_minutes=120, status=RequestStatus.waitlisted,
                                created_at=utcnow(), updated_at=utcnow()))
    session.commit()
    run_id = _new_run(session, dict(coordinator=coordinator.id))
    assert start_run(run_id) == "rq"
    _work(rq_redis)
    assert rq_redis.get(_split_key(run_id)) is None
    run = _get(session, run_id)
    assert run.status == RunStatus.preview and run.served == 1, run.error


def test_a_part_that_fails_fails_the_run_naming_it(app, session, three_categories, rq_redis, monkeypatch):
    from app import split_runs
    from app.jobs import start_run

    def broken(problem, time_limit, method):
        raise MemoryError("the work horse ran out of memory")

    monkeypatch.setattr(split_runs, "solve_part", broken)  # every part fails: rq looks the function up by name
    run_id = _new_run(session, three_categories)
    assert start_run(run_id) == "rq"
    _work(rq_redis)
    run = _get(session, run_id)
    assert run.status == RunStatus.failed
    assert "SplitRunFailed: part 1 of" in run.error and "ended as failed in the worker" in run.error


def test_a_part_whose_worker_died_is_noticed_by_the_reaper(app, session, three_categories, rq_redis):
    """The run's own job split it and finished; a worker took part 2 and was killed with its work horse (SIGKILL
    of the whole unit): nothing in rq marks the part failed, and the merge waits for ever. The reaper (a tick, or
    the next worker as it starts) records the run as failed, saying which part."""
    from rq.job import Job, JobStatus
    from rq.worker import Worker

    from app.jobs import reap_stopped_runs, start_run

    run_id = _new_run(session, three_categories)
    assert start_run(run_id) == "rq"
    _work(rq_redis, max_jobs=1)  # only the run's own job: it prepares and splits
    assert _get(session, run_id).status == RunStatus.running
    session.rollback()  # on SQLite an open transaction here would hold the lock the reaper needs
    assert reap_stopped_runs(connection=rq_redis) == []  # parts queued: nothing is lost
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
    part = Job.fetch(_parts(rq_redis, run_id)[1], connection=rq_redis)
    part.worker_name = "w-killed"
    part.save()
    part.set_status(JobStatus.STARTED)
    rq_redis.hset(Worker.redis_worker_namespace_prefix + "w-killed",
                  mapping=dict(hostname=socket.gethostname(), pid=dead_pid))
    assert [i for _, i, _ in reap_stopped_runs(connection=rq_redis)] == [run_id]
    run = _get(session, run_id)
    assert run.status == RunStatus.failed and "the worker running part 2 of" in run.error, run.error


def test_a_part_gets_the_runs_time_limit_when_there_are_workers_for_every_part():
    from app.split_runs import MIN_PART_SECONDS, part_time_limit

    assert part_time_limit(30, parts=4, workers=4) == part_time_limit(30, parts=4, workers=9) == 30
    assert part_time_limit(30, parts=4, workers=2) == 15  # two rounds of parts: about the run's limit in all
    assert part_time_limit(30, parts=8, workers=0) == 30 / 8  # nobody listening yet: as for one worker
    assert part_time_limit(4, parts=8, workers=1) == MIN_PART_SECONDS


def test_a_merged_plan_that_fails_the_independent_check_fails_the_run(app, session, three_categories, rq_redis,
                                                                      monkeypatch):
    """The merge job checks the merged plan as a run solved in one process is checked (finish_run): here a merge
    that put two requests on one asset at once."""
    from dataclasses import replace

    from app import split_runs
    from app.jobs import start_run
    from scheduling.partition import merge_solutions

    def overlapping(problem, solutions, wall_seconds):
        merged = merge_solutions(problem, solutions, wall_seconds)
        first, second, *rest = merged.assignments
        clash = replace(second, asset=first.asset, start=first.start, end=first.start + (second.end - second.start))
        return replace(merged, assignments=(first, clash, *rest))

    monkeypatch.setattr(split_runs, "merge_solutions", overlapping)
    run_id = _new_run(session, three_categories)
    assert start_run(run_id) == "rq"
    _work(rq_redis)
    run = _get(session, run_id)
    assert run.status == RunStatus.failed
    assert "PlanCheckFailed: the plan failed the independent check" in run.error, run.error
