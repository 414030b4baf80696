"""Who may book what, in the batch optimiser: requests of members who may not book their category (account
not approved, a qualification missing) are left out before solving, and a plan never gives a member more than
their category's fair-use limits allow. The solver does not model the limits; the plan is trimmed after it
(earliest start first, then the request made first) and solved once more without the trimmed requests, so the
slots they held go to others. Each request left out or trimmed says why in its waitlist reason.

The write path (fleet/booking/eligibility.py) checks the same rules again when a plan is applied."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import scheduling
from sqlalchemy.orm import Session

from fleet.allocation import scheduling_adapter as adapter
from fleet.booking.eligibility import (
    LimitReached, NotQualified, check_may_request, limit_refusal_for_window, limits_of, required_qualifications,
    within_limits,
)
from fleet.members.account_approval import approval_required
from fleet.core.geo import distance_km
from fleet.models import CategoryLimits, FlexibleRequest


def eligible_requests(session: Session, requests: list[FlexibleRequest]) -> list[FlexibleRequest]:
    """The requests whose members may book their category; the others get the reason as waitlist reason. What
    does not change per request (the approval setting, each category's qualifications) is read once."""
    approval = approval_required(session)
    needs_qualification = {cid for cid in {r.category_id for r in requests} if required_qualifications(session, cid)}
    kept = []
    for request in requests:
        if approval or request.category_id in needs_qualification:
            try:
                check_may_request(session, request.member, request.category, request.earliest_start.date())
            except NotQualified as exc:
                adapter.note_refusal(request, exc)
                continue
        kept.append(request)
    return kept


def _limits(session: Session, snapshot: adapter.Snapshot) -> dict[int, CategoryLimits]:
    """The fair-use limits of the snapshot's requests' categories that have some."""
    found = {cid: limits_of(session, cid) for cid in {r.category_id for r in snapshot.requests.values()}}
    return {cid: limits for cid, limits in found.items() if limits is not None}


def trim_to_limits(session: Session, snapshot: adapter.Snapshot, solution: scheduling.Solution,
                   note: bool = True) -> tuple[scheduling.Solution, set[str]]:
    """The solution without the assignments that would take a member past a limit, and the ids trimmed. With
    `note`, each trimmed request's waitlist reason names the limit."""
    kept, trimmed = [], set()
    planned: dict[tuple[int, int], list] = {}
    limited = _limits(session, snapshot)
    order = sorted(solution.assignments, key=lambda a: (a.start, snapshot.requests[a.request].created_at,
                                                         int(a.request)))
    for assignment in order:
        request = snapshot.requests[assignment.request]
        if request.category_id not in limited:
            kept.append(assignment)
            continue
        asset = snapshot.assets[assignment.asset]
        mine = planned.setdefault((request.member_id, request.category_id), [])
        try:
            within_limits(session, limited[request.category_id], request.member_id, request.category,
                          asset.hub.timezone, assignment.start, assignment.end, planned=mine)
        except LimitReached as exc:
            trimmed.add(assignment.request)
            if note:
                adapter.note_refusal(request, exc)
            continue
        mine.append((assignment.start, assignment.end))
        kept.append(assignment)
    if not trimmed:
        return solution, trimmed
    return _with_assignments(snapshot, solution, kept), trimmed


def first_problem(session: Session, snapshot: adapter.Snapshot, note: bool = True) -> scheduling.Problem:
    """The problem `solve_within_limits` solves first: the snapshot's without the requests whose member's
    bookings already fill a limit over the request's whole window."""
    out = _out_of_reach(session, snapshot, snapshot.problem, [], note)
    return replace(snapshot.problem, requests=tuple(r for r in snapshot.problem.requests if r.id not in out))


# The solves again after trimming share this part of the run's time limit, so that a run ends in about its limit
# and a half, not in up to `rounds` times it (they start from a smaller problem, and a plan that is only trimmed
# needs no more search than the first one had).
RESOLVE_SHARE = 0.5
MIN_RESOLVE_SECONDS = 1.0


def resolve_seconds(time_limit: float, rounds: int) -> float:
    """The time limit of each solve after the first."""
    return max(MIN_RESOLVE_SECONDS, time_limit * RESOLVE_SHARE / max(1, rounds - 1))


def solve_within_limits(session: Session, snapshot: adapter.Snapshot, time_limit: float, method: str,
                        note: bool = True, rounds: int = 3,
                        first: scheduling.Solution | None = None) -> scheduling.Solution:
    """Solve and trim the plan to the limits; while something was trimmed, solve again (at most `rounds`
    solves) without the requests that the plan so far leaves out of reach, so that what they held can serve
    someone else. Before each solve, requests whose member's bookings (and the member's other requests kept by
    the last plan) fill a limit over the request's whole window are left out. `first`, when given, is the
    solution of `first_problem` computed elsewhere (a run split across workers), taken instead of the first
    solve. The first solve has `time_limit`; each later one `resolve_seconds`."""
    problem = snapshot.problem
    plan: list[scheduling.Assignment] = []
    best = None
    for round_ in range(rounds):
        out = _out_of_reach(session, snapshot, problem, plan, note)
        problem = replace(problem, requests=tuple(r for r in problem.requests if r.id not in out))
        current = adapter.Snapshot(problem, snapshot.requests, snapshot.assets)
        if round_ == 0:
            solved = first if first is not None else adapter.solve(current, time_limit, method=method)
        else:
            solved = adapter.solve(current, resolve_seconds(time_limit, rounds), method=method)
        solution, trimmed = trim_to_limits(session, current, solved, note)
        if best is None or solution.metrics.weighted_served_hours > best.metrics.weighted_served_hours:
            best = solution
        if not trimmed:
            break
        plan = list(solution.assignments)
        problem = replace(problem, requests=tuple(r for r in problem.requests if r.id not in trimmed))
    return _with_assignments(snapshot, best, list(best.assignments))


def _out_of_reach(session: Session, snapshot: adapter.Snapshot, problem: scheduling.Problem,
                  plan: list[scheduling.Assignment], note: bool) -> set[str]:
    """Requests whose member's bookings, with the member's other requests placed as in `plan`, fill a limit
    over the request's whole window."""
    planned: dict[tuple[int, int], list[tuple[str, object, object]]] = {}
    for a in plan:
        request = snapshot.requests[a.request]
        planned.setdefault((request.member_id, request.category_id), []).append((a.request, a.start, a.end))
    out = set()
    limited = _limits(session, snapshot)
    for r in problem.requests:
        request = snapshot.requests[r.id]
        if request.category_id not in limited:
            continue
        zone = next((a.hub.timezone for a in snapshot.assets.values() if a.category_id == request.category_id), None)
        if zone is None:
            continue
        others = [(s, e) for rid, s, e in planned.get((request.member_id, request.category_id), []) if rid != r.id]
        refusal = limit_refusal_for_window(session, request.member_id, request.category, zone, r.earliest_start,
                                           r.latest_end, timedelta(minutes=r.duration_minutes), planned=others)
        if refusal is not None:
            out.add(r.id)
            if note:
                adapter.note_refusal(request, refusal)
    return out


def _with_assignments(snapshot: adapter.Snapshot, solution: scheduling.Solution,
                      kept: list[scheduling.Assignment]) -> scheduling.Solution:
    """The solution with only `kept`, its metrics counted again over the whole snapshot's requests."""
    by_id = {r.id: r for r in snapshot.problem.requests}
    hubs = {h.id: h for h in snapshot.problem.hubs}
    assets = {a.id: a for a in snapshot.problem.assets}
    served = {a.request for a in kept}
    minutes = weighted = 0
    distance = 0.0
    for a in kept:
        r = by_id[a.request]
        minutes += r.duration_minutes
        weighted += r.duration_minutes * r.priority
        if r.location is not None:
            hub = hubs[assets[a.asset].hub]
            distance += distance_km((r.location.lat, r.location.lon), (hub.lat, hub.lon))
    metrics = replace(solution.metrics, requests=len(snapshot.problem.requests), served=len(kept),
                      served_hours=round(minutes / 60, 4), weighted_served_hours=round(weighted / 60, 4),
                      distance_km=round(distance, 3))
    unserved = tuple(r.id for r in snapshot.problem.requests if r.id not in served)
    return replace(solution, assignments=tuple(sorted(kept, key=lambda a: (a.start, a.request))), unserved=unserved,
                   metrics=metrics)
