"""Background optimiser runs and fleet plans: an RQ worker when REDIS_URL is set, else a thread in this process.

The job opens its own app context and database session, commits after each progress step (so the run's
page shows where it is) and records a failure on the run instead of losing it.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import contextmanager
from functools import partial

from flask import Flask, current_app, has_app_context

from fleet.core.messages import english

from app.job_queue import QUEUE_NAME, redis_connection
from app.job_runner import job_id, run_job

log = logging.getLogger(__name__)


def run_optimiser(run_id: int, app: Flask | None = None, database_url: str | None = None) -> None:
    """Execute one queued run to its preview. In an RQ worker `app` is None and a new app is made from the
    environment (`database_url` overrides DATABASE_URL, for tests)."""
    from fleet.allocation.optimiser_runs import execute_run, fail_run

    from app.split_runs import current_rq_job, execute_in_parts

    job = current_rq_job()  # in an RQ worker, a problem that falls apart is solved by several workers
    execute = execute_run if job is None else partial(execute_in_parts, job=job, database_url=database_url)
    run_job("optimiser run", run_id, app, database_url, execute, fail_run)


def run_planning(run_id: int, app: Flask | None = None, database_url: str | None = None) -> None:
    """Compute one queued fleet plan (fleet/reporting/fleet_plans.py); like `run_optimiser`."""
    from fleet.reporting.fleet_plans import execute_plan, fail_plan

    run_job("planning run", run_id, app, database_url, execute_plan, fail_plan)


def _start(job, run_id: int, kind: str) -> str:
    """Hand `job(run_id, app, database_url)` to an RQ worker, or else to a thread of this process (kept in
    app.extensions[f"{kind}_threads"], so tests can wait for it). Returns "rq" or "thread"."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from rq import Queue

        Queue(QUEUE_NAME, connection=redis_connection()).enqueue(
            job, run_id, None, app.config.get("JOB_DATABASE_URL"), job_timeout=3600, job_id=job_id(kind, run_id))
        return "rq"
    thread = threading.Thread(target=job, args=(run_id, app), name=f"{kind}-run-{run_id}", daemon=True)
    thread.start()
    threads = app.extensions.setdefault(f"{kind}_threads", [])
    threads[:] = [t for t in threads if t.is_alive()]  # a long-lived process keeps only the running ones
    threads.append(thread)
    return "thread"


def start_run(run_id: int) -> str:
    """Hand the queued optimiser run to a worker; returns how ("rq" or "thread"), or "failed" when it could not
    be handed over (Redis down): that is then recorded on the run, which would otherwise wait forever. Call
    after the run's row is committed."""
    from fleet.allocation.optimiser_runs import fail_run

    return _start_or_fail(run_optimiser, run_id, "optimiser", fail_run)


def start_planning_run(run_id: int) -> str:
    """Hand the queued fleet plan to a worker; like `start_run`."""
    from fleet.reporting.fleet_plans import fail_plan

    return _start_or_fail(run_planning, run_id, "planning", fail_plan)


def _start_or_fail(job, run_id: int, kind: str, fail) -> str:
    try:
        return _start(job, run_id, kind)
    except Exception as exc:  # noqa: BLE001 - whatever stopped the hand-over, the run must not stay queued
        from app.extensions import db
        from fleet.core.db import utcnow

        log.exception("%s run %s could not be started", kind, run_id)
        db.session.rollback()
        fail(db.session, run_id, f"The job could not be started: {type(exc).__name__}: {exc}", utcnow())
        db.session.commit()  # after the request's own commit (app/transaction.py after_commit): its own record
        return "failed"


def _inline_key(kind: str, run_id: int) -> str:
    return f"commonpool:inline:{job_id(kind, run_id)}"


def computing_inline(kind: str, run_id: int, seconds: float) -> None:
    """Say, for `seconds`, that this process computes the run itself (`flask schedule run`): it has no RQ job, and
    the reaper must not take that for a lost one. Best effort: without Redis there is nothing to say it to."""
    if not current_app.config.get("REDIS_URL"):
        return
    try:
        redis_connection().set(_inline_key(kind, run_id), "1", ex=max(1, int(seconds)))
    except Exception:  # noqa: BLE001 - the reaper's time-limit rule still applies
        log.warning("could not mark %s run %s as computed inline", kind, run_id, exc_info=True)


def reap_stopped_runs(app: Flask | None = None, connection=None) -> list[tuple[str, int, str]]:
    """Record as failed ("its worker stopped") every queued or running run whose job is gone; returns (kind, id,
    reason) of each. Run by `flask bookings tick` and by each RQ worker when it starts and then every
    RUN_REAPER_INTERVAL_SECONDS. With Redis a run's job is gone when it is no longer in Redis (flushed, a restart
    without persistence; a run younger than RUN_HANDOVER_GRACE_SECONDS may still be being handed over), when
    it ended as failed, stopped or cancelled (a work horse that was killed), when it finished without recording
    the run's outcome, or when the worker that started it is gone. Without Redis (runs in threads of the web
    processes), or when Redis cannot be asked, a run is gone when it is still open well past its time limit
    (fleet/core/job_runs.py)."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from fleet.core import job_runs
    from fleet.core.db import utcnow
    from fleet.reporting.stopped_runs import reap

    with _maintenance_app(app) as app, app.app_context():  # a plain `rq worker`: an app made for this once
        now = utcnow()
        if connection is None and app.config.get("REDIS_URL"):
            connection = redis_connection()
        grace = float(app.config.get("RUN_HANDOVER_GRACE_SECONDS", 60))

        def gone(kind: str, run) -> str | None:
            if connection is not None:
                try:
                    reason = _job_gone(connection, kind, run, now, grace)
                except Exception:  # noqa: BLE001 - Redis cannot be asked: only the time-limit rule can tell
                    log.warning("could not ask Redis about %s run %s", kind, run.id, exc_info=True)
                else:
                    return reason
            if job_runs.stalled(run, now):
                return english(job_runs.NO_WORD, {"minutes": int(job_runs.STALL_GRACE.total_seconds() // 60)})
            return None

        with Session(db.engine) as session:
            reaped = reap(session, now, gone)
            session.commit()
    for kind, run_id, reason in reaped:
        log.warning("%s run %s recorded as failed: its worker stopped (%s)", kind, run_id, reason)
    return reaped


def _job_gone(connection, kind: str, run, now, grace: float) -> str | None:
    """Why the run's RQ job will never finish it, or None while it may."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    try:
        job = Job.fetch(job_id(kind, run.id), connection=connection)
    except NoSuchJobError:
        if connection.exists(_inline_key(kind, run.id)):
            return None
        if (now - run.created_at).total_seconds() < grace:
            return None  # the request that created it may still be handing it over
        return "its job is no longer in Redis"
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return f"its job ended as {status.value} in the worker"
    if status == JobStatus.FINISHED:
        if kind == "optimiser":
            from app.split_runs import split_run_gone

            split, reason = split_run_gone(connection, run.id, lambda name: _worker_alive(connection, name))
            if split:
                return reason
        return "its job ended without recording the run's outcome"
    if status == JobStatus.STARTED and not _worker_alive(connection, job.worker_name):
        return "the worker running its job is gone"
    return None  # queued, or started by a live worker


def _worker_alive(connection, name: str | None) -> bool:
    """Whether the RQ worker `name` is still there: its key expires a minute or so after its last heartbeat, and
    a worker on this host is also checked by its process id (a worker killed a moment ago)."""
    if not name:
        return True  # nothing to check against; the time-limit rule still applies
    from rq import Worker

    key = Worker.redis_worker_namespace_prefix + name
    if not connection.exists(key):
        return False
    hostname, pid = connection.hmget(key, "hostname", "pid")
    if hostname and pid and hostname.decode() == socket.gethostname():
        pid = int(pid)
        if pid == os.getpid():
            return False  # this process is between jobs: whatever that worker started is not running here
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
    return True


def run_booking_jobs(app: Flask | None = None, database_url: str | None = None) -> dict[str, int]:
    """The periodic work in one call, for cron (`flask bookings tick`), an RQ scheduler or a test: record the
    runs whose job died as failed, release no-shows, write reminders, flag overdue returns, commit, close the
    proposals whose period ended (app/governance_jobs.py), fetch partners and release failed remote bookings
    (app/federation_jobs.py), then deliver the email outbox."""
    from app.extensions import db
    from app.mail import deliver_outbox
    from fleet.booking.jobs import flag_overdue_returns, release_no_shows, send_reminders
    from fleet.core.db import utcnow

    if app is None:
        from app import create_app

        app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": database_url} if database_url else None)
    try:
        stopped = len(reap_stopped_runs(app))
    except Exception:  # noqa: BLE001 - the booking work below must happen regardless
        log.exception("recording stopped runs failed")
        stopped = 0
    with app.app_context():
        now = utcnow()
        counts = {"stopped_runs": stopped, "no_shows": len(release_no_shows(db.session, now)),
                  "reminders": len(send_reminders(db.session, now)),
                  "overdue": len(flag_overdue_returns(db.session, now))}
        db.session.commit()
    counts.update(_governance(app))
    counts.update(federation(app))
    counts.update(deliver_outbox(app))
    return counts


@contextmanager
def _maintenance_app(app: Flask | None):
    """The app to run a worker's maintenance with: the one given, else the app of the context, else one made for
    this once (its connections closed afterwards)."""
    if app is not None or has_app_context():
        yield app if app is not None else current_app._get_current_object()
        return
    from app import create_app
    from app.extensions import db

    made = create_app()
    try:
        yield made
    finally:
        with made.app_context():
            db.engine.dispose()


def close_proposals(app: Flask | None = None) -> dict[str, int]:
    """The governance work from a worker's maintenance."""
    with _maintenance_app(app) as used:
        return _governance(used)


def federation(app: Flask | None = None) -> dict[str, int]:
    """The federation work (app/federation_jobs.py); a failure is logged, and the next tick tries again."""
    from app.federation_jobs import run_federation_jobs

    with _maintenance_app(app) as used:
        try:
            return run_federation_jobs(used)
        except Exception:  # noqa: BLE001 - mail delivery below must happen regardless
            log.exception("federation work failed")
            return {}


def _governance(app: Flask) -> dict[str, int]:
    from app.governance_jobs import run_governance_jobs

    try:
        return run_governance_jobs(app)
    except Exception:  # noqa: BLE001 - mail delivery below must happen regardless; the next tick tries again
        log.exception("closing proposals failed")
        return {}
