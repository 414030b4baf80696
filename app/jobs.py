"""Background optimiser runs and fleet plans: an RQ worker when REDIS_URL is set, else a thread in this process.

The job opens its own app context and database session, commits after each progress step (so the run's
page shows where it is) and records a failure on the run instead of losing it.
"""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from app.job_queue import QUEUE_NAME, redis_connection

log = logging.getLogger(__name__)


def run_optimiser(run_id: int, app: Flask | None = None, database_url: str | None = None) -> None:
    """Execute one queued run to its preview. In an RQ worker `app` is None and a new app is made from the
    environment (`database_url` overrides DATABASE_URL, for tests)."""
    from fleet.allocation.optimiser_runs import execute_run, fail_run

    _run_job("optimiser run", run_id, app, database_url, execute_run, fail_run)


def run_planning(run_id: int, app: Flask | None = None, database_url: str | None = None) -> None:
    """Compute one queued fleet plan (fleet/reporting/fleet_plans.py); like `run_optimiser`."""
    from fleet.reporting.fleet_plans import execute_plan, fail_plan

    _run_job("planning run", run_id, app, database_url, execute_plan, fail_plan)


def _run_job(what: str, run_id: int, app: Flask | None, database_url: str | None, execute, fail) -> None:
    """Run `execute(session, run_id, now, progress=...)`, committing each progress step; any failure is
    recorded on the run with `fail(session, run_id, error, now)` and never lost."""
    from app.extensions import db
    from fleet.core.db import utcnow

    if app is None:
        from app import create_app

        app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": database_url} if database_url else None)
    with app.app_context():
        try:
            execute(db.session, run_id, utcnow(), progress=lambda _message: db.session.commit())
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - the run must end in a recorded state, whatever happened
            log.exception("%s %s failed", what, run_id)
            db.session.rollback()
            fail(db.session, run_id, f"{type(exc).__name__}: {exc}", utcnow())
            db.session.commit()
        finally:
            db.session.remove()


def _start(job, run_id: int, kind: str) -> str:
    """Hand `job(run_id, app, database_url)` to an RQ worker, or else to a thread of this process (kept in
    app.extensions[f"{kind}_threads"], so tests can wait for it). Returns "rq" or "thread"."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from rq import Queue

        Queue(QUEUE_NAME, connection=redis_connection()).enqueue(
            job, run_id, None, app.config.get("JOB_DATABASE_URL"), job_timeout=3600)
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


def run_booking_jobs(app: Flask | None = None, database_url: str | None = None) -> dict[str, int]:
    """The periodic booking work in one call, for cron (`flask bookings tick`), an RQ scheduler or a test:
    release no-shows, write reminders, flag overdue returns, commit, then deliver the email outbox."""
    from app.extensions import db
    from app.mail import deliver_outbox
    from fleet.booking.jobs import flag_overdue_returns, release_no_shows, send_reminders
    from fleet.core.db import utcnow

    if app is None:
        from app import create_app

        app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": database_url} if database_url else None)
    with app.app_context():
        now = utcnow()
        counts = {"no_shows": len(release_no_shows(db.session, now)),
                  "reminders": len(send_reminders(db.session, now)),
                  "overdue": len(flag_overdue_returns(db.session, now))}
        db.session.commit()
    counts.update(deliver_outbox(app))
    return counts
