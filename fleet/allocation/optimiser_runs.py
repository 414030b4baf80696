"""Batch optimiser runs: every waitlisted request in a horizon, solved together, previewed against
first-come-first-served on the same data, then applied by a coordinator.

Existing bookings are fixed in a batch run (confirmed bookings never move). Requests of members who may not
book their category are left out, and the plan keeps every member within the fair-use limits
(fleet/allocation/fair_use.py). Applying re-checks each
assignment against the database as it is then; an assignment that lost its slot to a direct booking made
while the solver ran is skipped and its request solved again on what is left.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable

import scheduling

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation import fair_use
from fleet.allocation import scheduling_adapter as adapter
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.allocation.fair_share import priorities
from fleet.allocation.flexible_requests import INSTANT_TIME_LIMIT, assign_waitlisted, expire_requests
from fleet.core.messages import Term, When, english, msg
from fleet.models import Asset, Category, FlexibleRequest, Member, OptimiserRun, RequestStatus, RunStatus
from fleet.members.notifications import notify
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids, pool_for_new_object, require_object_pool

MAX_HORIZON_DAYS = 90
FCFS_TIME_LIMIT = 5.0

# A run's progress line (OptimiserRun.progress, stored in English): the templates, whose values are the run's
# own counts, so `progress_message` can give the template back to show it translated.
PROGRESS_WAITING = msg("Waiting for a worker")
PROGRESS_READING = msg("Reading open requests")
PROGRESS_SOLVING = msg("Solving %(requests)s requests over %(assets)s assets")
PROGRESS_READY = msg("Ready: %(served)s of %(requests)s requests served (first come, first served: %(fcfs)s)")
PROGRESS_FAILED = msg("Failed")
PROGRESS_APPLIED = msg("Applied: %(applied)s bookings made")
PROGRESS_APPLIED_LOST = msg("Applied: %(applied)s bookings made, %(lost)s lost their slot meanwhile")


def _progress_values(run: OptimiserRun) -> dict:
    return {"requests": run.requests_count, "assets": run.assets_count, "served": run.served,
            "fcfs": run.fcfs_served, "applied": run.applied_count, "lost": run.skipped_count}


def _set_progress(run: OptimiserRun, template: str) -> str:
    run.progress = english(template, _progress_values(run))
    return run.progress


def progress_message(run: OptimiserRun) -> tuple[str, dict]:
    """The run's progress line as a template and its values (fleet/core/messages.py), to show it translated. A
    line no template explains (written by an older version) comes back as it is, without values."""
    values = _progress_values(run)
    for template in (PROGRESS_WAITING, PROGRESS_READING, PROGRESS_SOLVING, PROGRESS_READY, PROGRESS_FAILED,
                     PROGRESS_APPLIED, PROGRESS_APPLIED_LOST):
        if english(template, values) == run.progress:
            return template, values
    return run.progress, {}


def create_run(session: Session, actor: Member, horizon_days: int, now: datetime, time_limit: float = 30.0,
               method: str = "cpsat", pool_id: int | None = None) -> OptimiserRun:
    """A queued run over the open requests of pool `pool_id`, which `actor` coordinates (None: their only pool)."""
    pool_id = pool_for_new_object(session, actor, pool_id)
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int) or not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ValidationFailed("The horizon is 1 to %(max)s days.", field="horizon_days", max=MAX_HORIZON_DAYS)
    if not 1 <= time_limit <= 600:
        raise ValidationFailed("The time limit is 1 to 600 seconds.", field="time_limit")
    if method not in adapter.METHODS:
        raise ValidationFailed("The method is cpsat or greedy.", field="method")
    run = OptimiserRun(started_by_id=actor.id, created_at=now, horizon_start=now,
                       horizon_end=now + timedelta(days=horizon_days), time_limit_seconds=float(time_limit),
                       method=method, status=RunStatus.queued, progress=PROGRESS_WAITING, pool_id=pool_id)
    session.add(run)
    session.flush()
    return run


def open_requests(session: Session, start: datetime, end: datetime,
                  pool_id: int | None = None) -> list[FlexibleRequest]:
    """Waitlisted requests whose window meets [start, end); only pool `pool_id`'s when given (a run plans one
    pool: its requests only ever get its own assets, since a request's category is in one pool)."""
    stmt = select(FlexibleRequest).where(
        FlexibleRequest.status == RequestStatus.waitlisted, FlexibleRequest.latest_end > start,
        FlexibleRequest.earliest_start < end)
    if pool_id is not None:
        stmt = stmt.where(FlexibleRequest.category_id.in_(select(Category.id).where(Category.pool_id == pool_id)))
    return list(session.scalars(stmt.options(joinedload(FlexibleRequest.category))
                                .order_by(FlexibleRequest.created_at, FlexibleRequest.id)))


class PlanCheckFailed(Exception):
    """The plan failed the independent checker (scheduling/check.py): a solver fault; the run fails with it."""


@dataclass
class PreparedRun:
    """A running run's problem as read from the database: `first` is what the first solve is given (the
    snapshot's problem without the requests fair use already puts out of reach)."""

    run: OptimiserRun
    snapshot: adapter.Snapshot
    first: scheduling.Problem


def execute_run(session: Session, run_id: int, now: datetime,
                progress: Callable[[str], None] = lambda message: None) -> OptimiserRun:
    """Solve a queued run and leave it as a preview. `progress` is called between steps (the job commits
    there so the run's page can show it). A run that already ended is left as it is."""
    prepared = prepare_run(session, run_id, now, progress)
    if prepared is None:
        return session.get(OptimiserRun, run_id)
    return finish_run(session, prepared, solve_first(prepared), now)


def prepare_run(session: Session, run_id: int, now: datetime,
                progress: Callable[[str], None] = lambda message: None) -> PreparedRun | None:
    """Start a queued run: read its requests, compute first come, first served, and return what the solver is
    to be given. None when the run already ended (a job delivered twice computes nothing twice)."""
    run = session.get(OptimiserRun, run_id)
    if run is None:
        raise NotFound("No such optimiser run.")
    if not run.is_open:
        return None
    run.start()
    run.progress = PROGRESS_READING
    expire_requests(session, now)
    progress(run.progress)
    requests = fair_use.eligible_requests(session, open_requests(session, max(run.horizon_start, now),
                                                                 run.horizon_end, run.pool_id))
    snapshot = adapter.snapshot_problem(session, requests, now, priorities(session, requests, now))
    problem = snapshot.problem
    run.requests_count, run.assets_count, run.bookings_count = (len(problem.requests), len(problem.assets),
                                                                  len(problem.bookings))
    progress(_set_progress(run, PROGRESS_SOLVING))
    fcfs, _ = fair_use.trim_to_limits(session, snapshot, adapter.solve(snapshot, FCFS_TIME_LIMIT, method="greedy"),
                                      note=False)
    f = fcfs.metrics
    run.fcfs_served, run.fcfs_served_hours = f.served, f.served_hours
    run.fcfs_weighted_hours, run.fcfs_distance_km = f.weighted_served_hours, f.distance_km
    run.fcfs_solution_json = adapter.solution_json(fcfs)
    session.flush()
    return PreparedRun(run, snapshot, fair_use.first_problem(session, snapshot, note=False))


def solve_first(prepared: PreparedRun) -> scheduling.Solution:
    """The first solve of a prepared run, in this process."""
    run = prepared.run
    return scheduling.solve(prepared.first, time_limit=run.time_limit_seconds, method=run.method)


def resume_run(session: Session, run_id: int, problem: scheduling.Problem, first_ids: set[str]) -> PreparedRun | None:
    """A run prepared by another process (`prepare_run`), from its snapshot's problem and the ids of the
    requests its first solve was given; None when the run ended meanwhile (the reaper recorded it as failed)."""
    run = session.get(OptimiserRun, run_id)
    if run is None:
        raise NotFound("No such optimiser run.")
    if run.status != RunStatus.running:
        return None
    snapshot = adapter.Snapshot(
        problem, {r.id: session.get(FlexibleRequest, int(r.id)) for r in problem.requests},
        {a.id: session.get(Asset, int(a.id)) for a in problem.assets})
    return PreparedRun(run, snapshot, replace(problem, requests=tuple(r for r in problem.requests if r.id in first_ids)))


def finish_run(session: Session, prepared: PreparedRun, first: scheduling.Solution, now: datetime) -> OptimiserRun:
    """Keep the plan within fair use (solving again when that trims it), check it with the independent checker
    and leave the run as a preview. `first` is the solution of `prepared.first`, from this process or merged
    from the parts of a split run."""
    run, snapshot = prepared.run, prepared.snapshot
    best = fair_use.solve_within_limits(session, snapshot, run.time_limit_seconds, run.method, first=first)
    violation = scheduling.first_violation(scheduling.problem_to_dict(snapshot.problem),
                                           scheduling.solution_to_dict(best))
    if violation is not None:
        raise PlanCheckFailed(f"the plan failed the independent check: {violation}")
    m = best.metrics
    run.solver_status, run.served, run.served_hours = best.status, m.served, m.served_hours
    run.weighted_hours, run.bound_weighted_hours = m.weighted_served_hours, m.upper_bound_weighted_hours
    run.distance_km, run.wall_seconds = m.distance_km, m.wall_seconds
    run.solution_json = adapter.solution_json(best)
    run.to_preview(now)
    run.progress = english(PROGRESS_READY, {"served": m.served, "requests": m.requests, "fcfs": run.fcfs_served})
    session.flush()
    return run


def fail_run(session: Session, run_id: int, message: str, now: datetime) -> None:
    run = session.get(OptimiserRun, run_id)
    if run is not None and run.is_open:
        run.fail(message, now)
        run.progress = PROGRESS_FAILED
        session.flush()


def run_again(session: Session, actor: Member, run_id: int, now: datetime) -> OptimiserRun:
    """A new queued run with the parameters of a failed one (its horizon as many days from now)."""
    old = get_run(session, actor, run_id)
    if old.status != RunStatus.failed:
        raise Conflict("Only a failed run can be run again; this one is %(status)s.", status=Term(old.status.value))
    days = round((old.horizon_end - old.horizon_start) / timedelta(days=1))
    return create_run(session, actor, min(max(days, 1), MAX_HORIZON_DAYS), now, time_limit=old.time_limit_seconds,
                      method=old.method, pool_id=old.pool_id)


def apply_run(session: Session, actor: Member, run_id: int, now: datetime) -> OptimiserRun:
    """Book the preview's assignments that still hold; solve the rest again on what is left."""
    run = get_run(session, actor, run_id)
    if run.status != RunStatus.preview:
        run.apply(now)  # refuses: only a preview can be applied
    if not run.solution_json:
        raise Conflict("This run has no solution to apply; start a new run.")
    solution = adapter.parse_solution(run.solution_json)
    applied, lost = 0, []
    for assignment in sorted(solution.assignments, key=lambda a: a.start):
        request = session.get(FlexibleRequest, int(assignment.request))
        asset = session.get(Asset, int(assignment.asset))
        if request is None or request.status != RequestStatus.waitlisted or asset is None:
            continue
        booking = adapter.book_for_request(session, request, asset, assignment.start, now)
        if booking is None:
            lost.append(request)
            continue
        request.assign(booking, now)
        notify(session, request.member_id, "request_assigned", "Your request got %(asset)s from %(start)s.", now,
               booking.id, request_id=request.id, asset=asset.name, start=When(booking.start_at, asset.hub.timezone))
        applied += 1
    for category_id in sorted({r.category_id for r in lost}):
        rescued = assign_waitlisted(session, category_id, min(r.earliest_start for r in lost),
                                    max(r.latest_end for r in lost), now, INSTANT_TIME_LIMIT)
        applied += len(rescued)
    run.applied_count = applied
    run.skipped_count = sum(1 for r in lost if r.status == RequestStatus.waitlisted)
    run.apply(now)
    _set_progress(run, PROGRESS_APPLIED_LOST if run.skipped_count else PROGRESS_APPLIED)
    session.flush()
    return run


def discard_run(session: Session, actor: Member, run_id: int, now: datetime) -> OptimiserRun:
    run = get_run(session, actor, run_id)
    run.discard()
    session.flush()
    return run


def list_runs(session: Session, actor: Member, limit: int = 50) -> list[OptimiserRun]:
    require_coordinator(actor)
    return list(session.scalars(select(OptimiserRun).where(
        OptimiserRun.pool_id.in_(coordinated_pool_ids(session, actor)))
        .order_by(OptimiserRun.created_at.desc(), OptimiserRun.id.desc()).limit(limit)))


def page_of_runs(session: Session, actor: Member, limit: int, offset: int) -> tuple[list[OptimiserRun], int]:
    """Runs newest first, one page of them, and how many there are."""
    require_coordinator(actor)
    mine = OptimiserRun.pool_id.in_(coordinated_pool_ids(session, actor))
    total = session.scalar(select(func.count(OptimiserRun.id)).where(mine))
    runs = session.scalars(select(OptimiserRun).where(mine)
                           .order_by(OptimiserRun.created_at.desc(), OptimiserRun.id.desc())
                           .limit(limit).offset(offset))
    return list(runs), total


def get_run(session: Session, actor: Member, run_id: int) -> OptimiserRun:
    """A run of a pool `actor` coordinates; another pool's run is answered as a missing one."""
    run = session.get(OptimiserRun, run_id)
    require_object_pool(session, actor, run.pool_id if run is not None else None,
                        NotFound("No such optimiser run."))
    return run
