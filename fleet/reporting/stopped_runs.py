"""Background runs whose job died: recorded as failed, with the reason, so that no run stays "queued" or
"running" for ever and a coordinator can run it again.

Which runs are gone is for the caller to judge (the delivery layer knows the job queue): `reap` asks
`gone(kind, run)` for each open run and records a failure for every run it names a reason for. Each run is
locked and read again first, so a job that finishes meanwhile keeps its outcome.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.allocation.optimiser_runs import fail_run
from fleet.core.job_runs import OPEN_STATUSES
from fleet.core.messages import english
from fleet.models import OptimiserRun, PlanningRun
from fleet.reporting.fleet_plans import fail_plan

# The run's error, stored in English like every run error (shown as it is); `reason` says how its end was noticed.
WORKER_STOPPED = "Its worker stopped before the run finished (%(reason)s). Nothing was changed; run it again."

KINDS = (("optimiser", OptimiserRun, fail_run), ("planning", PlanningRun, fail_plan))


def open_run_ids(session: Session) -> dict[str, list[int]]:
    return {kind: list(session.scalars(select(model.id).where(model.status.in_(OPEN_STATUSES)).order_by(model.id)))
            for kind, model, _fail in KINDS}


def reap(session: Session, now: datetime, gone: Callable[[str, object], str | None]) -> list[tuple[str, int, str]]:
    """Record as failed each open run for which `gone(kind, run)` gives a reason; returns (kind, id, reason) of
    each. Only flushes: the caller commits."""
    reaped, open_ids = [], open_run_ids(session)
    for kind, model, fail in KINDS:
        for run_id in open_ids[kind]:
            run = session.get(model, run_id, with_for_update=True, populate_existing=True)
            if run is None or not run.is_open:
                continue
            reason = gone(kind, run)
            if reason:
                fail(session, run.id, english(WORKER_STOPPED, {"reason": reason}), now)
                reaped.append((kind, run.id, reason))
    return reaped
