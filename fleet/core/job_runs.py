"""Background runs (optimiser runs, fleet plans) whose process ended without a word.

A run is computed by a job (an RQ worker or a thread of the web process). If that process is killed or
restarted mid-run, nothing records the end and the run stays "queued" or "running" until the reaper records it
as failed (app/jobs.py reap_stopped_runs: with Redis as soon as the job is known to be gone; without Redis, by
`stalled`). Rather than change state on a page view, its page asks `stalled` and says so, stops refreshing,
and offers a new run.
"""
from __future__ import annotations

from datetime import datetime, timedelta

STALL_GRACE = timedelta(minutes=10)  # reading the data and saving the answer, beyond the solver's time limit
OPEN_STATUSES = ("queued", "running")


def stalled(run, now: datetime) -> bool:
    """The run is still queued or running well past its time limit: its job has most likely ended."""
    status = getattr(run.status, "value", run.status)
    if status not in OPEN_STATUSES:
        return False
    return now > run.created_at + timedelta(seconds=run.time_limit_seconds or 0) + STALL_GRACE


# How the reaper (app/jobs.py) says it noticed a stalled run, inside fleet.reporting.stopped_runs.WORKER_STOPPED
# (stored in English, like every run error).
NO_WORD = "no word from it %(minutes)s minutes after its time limit"
