"""An optimiser run solved by several RQ workers.

The job of a run (app/jobs.py `run_optimiser`) reads the problem (fleet/allocation/optimiser_runs.py
`prepare_run`). When the problem falls apart into independent subproblems (scheduling/partition.py), it enqueues
one job per part (a subproblem, or a batch of small ones; at most OPTIMISER_SPLIT_PARTS) and a merge job that
depends on all of them; any worker takes a part. The merge job puts the parts' solutions together and finishes the
run exactly as a run solved in one process is finished (`finish_run`: fair use, the independent checker, the
preview). A part that failed (an error, a killed work horse) fails the run with the reason: the merge job runs
even then (its dependencies allow failure) and says which part; a part whose whole worker died is noticed by the
reaper (app/jobs.py `reap_stopped_runs`, through `split_run_gone`).

Problems and solutions travel as RQ job arguments and results (pickled dataclasses). A part's result is kept for
PART_RESULT_TTL seconds, long enough for a merge waiting behind other jobs.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Callable

from flask import current_app

import scheduling
from scheduling.partition import merge_solutions, split_problem

PART_RESULT_TTL = 7 * 24 * 3600
JOB_TIMEOUT = 3600
MIN_PART_SECONDS = 2.0


class SplitRunFailed(Exception):
    """A part of a split run did not deliver its solution."""


def current_rq_job():
    """The RQ job this code runs in, or None (a thread of the web process, the CLI)."""
    from rq import get_current_job

    return get_current_job()


def _base(run_id: int) -> str:
    from app.job_runner import job_id

    return job_id("optimiser", run_id)


def part_job_id(run_id: int, number: int) -> str:
    return f"{_base(run_id)}-part-{number}"


def merge_job_id(run_id: int) -> str:
    return f"{_base(run_id)}-merge"


def _split_key(run_id: int) -> str:
    return f"commonpool:split:{_base(run_id)}"


def execute_in_parts(session, run_id: int, now: datetime, progress: Callable[[str], None], *, job,
                     database_url: str | None) -> None:
    """The optimiser run's job in an RQ worker: prepare the run; solve it here when it does not split, else hand
    its parts and their merge to the queue this job came from (the run stays running until the merge)."""
    from rq import Queue
    from rq.job import Dependency

    from fleet.allocation.optimiser_runs import finish_run, prepare_run, solve_first

    prepared = prepare_run(session, run_id, now, progress)
    if prepared is None:
        return
    parts = split_problem(prepared.first, int(current_app.config.get("OPTIMISER_SPLIT_PARTS", 8)))
    if len(parts) < 2:
        finish_run(session, prepared, solve_first(prepared), now)
        return
    run = prepared.run
    progress(run.progress)  # committed: the merge job, in another process, reads the run as prepared
    part_ids = [part_job_id(run_id, number) for number in range(1, len(parts) + 1)]
    connection = job.connection
    # written before any part exists: the reaper, seeing this job finished, then asks about the parts
    connection.set(_split_key(run_id), json.dumps(part_ids + [merge_job_id(run_id)]), ex=PART_RESULT_TTL)
    queue = Queue(job.origin, connection=connection)
    limit = part_time_limit(run.time_limit_seconds, len(parts), _workers_listening(queue))
    jobs = [queue.enqueue(solve_part, part, limit, run.method, job_id=part_id,
                          job_timeout=JOB_TIMEOUT, result_ttl=PART_RESULT_TTL, failure_ttl=PART_RESULT_TTL,
                          description=f"optimiser run {run_id}, part {number} of {len(parts)}")
            for number, (part_id, part) in enumerate(zip(part_ids, parts), start=1)]
    queue.enqueue(merge_parts, run_id, part_ids, prepared.snapshot.problem,
                  [r.id for r in prepared.first.requests], database_url,
                  depends_on=Dependency(jobs=jobs, allow_failure=True), job_id=merge_job_id(run_id),
                  job_timeout=JOB_TIMEOUT, failure_ttl=PART_RESULT_TTL,
                  description=f"optimiser run {run_id}, merge of {len(parts)} parts")


def part_time_limit(run_limit: float, parts: int, workers: int) -> float:
    """Each part's time limit: the run's own when there are workers for every part at once, else the share that
    lets the parts pass through the workers there are in about the run's limit (at least MIN_PART_SECONDS). The
    run's limit stays what a coordinator waits for; more workers give each part more of it."""
    return max(MIN_PART_SECONDS, run_limit * min(1.0, max(workers, 1) / parts))


def _workers_listening(queue) -> int:
    from rq import Worker

    return Worker.count(queue=queue)


def solve_part(problem: scheduling.Problem, time_limit: float, method: str) -> scheduling.Solution:
    """One part of a split run, solved as the whole would be (scheduling.solve, two CP-SAT workers)."""
    return scheduling.solve(problem, time_limit=time_limit, method=method)


def merge_parts(run_id: int, part_ids: list[str], problem: scheduling.Problem, first_ids: list[str],
                database_url: str | None = None) -> None:
    """The last job of a split run: the parts' solutions merged into the solution of the run's first problem
    (`first_ids`: its requests), finished like a run solved in one process; a part without a solution fails
    the run, naming it."""
    from app.job_runner import run_job
    from fleet.allocation.optimiser_runs import fail_run, finish_run, resume_run

    connection = current_rq_job().connection

    def execute(session, run_id, now, progress):
        solutions = [_part_solution(connection, part_id, number, len(part_ids))
                     for number, part_id in enumerate(part_ids, start=1)]
        prepared = resume_run(session, run_id, problem, set(first_ids))
        if prepared is None:  # the run ended meanwhile (the reaper recorded it)
            return
        merged = merge_solutions(prepared.first, solutions, max(s.metrics.wall_seconds for s in solutions))
        finish_run(session, prepared, merged, now)

    run_job("optimiser run (merge)", run_id, None, database_url, execute, fail_run)


def _part_solution(connection, part_id: str, number: int, count: int) -> scheduling.Solution:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(part_id, connection=connection)
    except NoSuchJobError:
        raise SplitRunFailed(f"part {number} of {count} is no longer in Redis") from None
    status = job.get_status()
    solution = job.return_value() if status == JobStatus.FINISHED else None
    if not isinstance(solution, scheduling.Solution):
        raise SplitRunFailed(f"part {number} of {count} ended as {status.value} in the worker")
    return solution


def split_run_gone(connection, run_id: int, worker_alive: Callable[[str | None], bool]) -> tuple[bool, str | None]:
    """For the reaper, about a run whose own job finished: whether the run was split, and if so why its parts
    will never finish it (None while they may: queued, deferred, or started by a live worker)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    recorded = connection.get(_split_key(run_id))
    if recorded is None:
        return False, None
    job_ids = json.loads(recorded)
    *part_ids, merge_id = job_ids
    for number, one in enumerate(job_ids, start=1):
        what = "its merge job" if one == merge_id else f"part {number} of {len(part_ids)} of its split run"
        try:
            job = Job.fetch(one, connection=connection)
        except NoSuchJobError:
            return True, f"{what} is no longer in Redis"
        status = job.get_status(refresh=False)
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return True, f"{what} ended as {status.value} in the worker"
        if status == JobStatus.STARTED and not worker_alive(job.worker_name):
            return True, f"the worker running {what} is gone"
        if one == merge_id and status == JobStatus.FINISHED:
            return True, "its merge job ended without recording the run's outcome"
    return True, None
