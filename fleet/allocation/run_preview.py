"""Who gets what in an optimiser run: per request, the member, the window they asked for, the asset and time
the run gives them, the distance, and how that differs from first come, first served on the same snapshot.

Both solutions are stored with the run (`solution_json`, `fcfs_solution_json`); a run computed before the
first-come-first-served solution was kept has no comparison (`change` is None)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleet.allocation import scheduling_adapter as adapter
from fleet.allocation.optimiser_runs import get_run
from fleet.core.errors import ValidationFailed
from fleet.core.geo import distance_km
from fleet.models import Asset, FlexibleRequest, Member, OptimiserRun

# How a request fares in the run against first come, first served (FCFS).
GAINED = "gained"      # served by the run, not by FCFS
LOST = "lost"          # served by FCFS, not by the run
MOVED = "moved"        # served by both, on another asset or at another time
SAME = "same"          # served by both, the same asset and time
UNSERVED = "unserved"  # served by neither
CHANGES = (GAINED, LOST, MOVED, SAME, UNSERVED)


@dataclass(frozen=True)
class Placement:
    asset_id: int
    asset_name: str
    hub_name: str
    zone: str
    start: datetime
    end: datetime
    distance_km: float | None


@dataclass(frozen=True)
class PreviewRow:
    request_id: int
    member_id: int
    member_name: str
    category_id: int
    category_name: str
    types: tuple[str, ...]
    earliest_start: datetime
    latest_end: datetime
    duration_minutes: int
    run: Placement | None
    fcfs: Placement | None
    change: str | None  # one of CHANGES; None when the run kept no first-come-first-served solution
    reason: str = ""  # why the run does not serve it, when the request says (a fair-use limit, a qualification)


def _change(run: Placement | None, fcfs: Placement | None) -> str:
    if run is None:
        return LOST if fcfs is not None else UNSERVED
    if fcfs is None:
        return GAINED
    return SAME if (run.asset_id, run.start) == (fcfs.asset_id, fcfs.start) else MOVED


def _placements(text: str | None) -> dict[int, tuple[int, datetime, datetime]] | None:
    if not text:
        return None
    return {int(a.request): (int(a.asset), a.start, a.end) for a in adapter.parse_solution(text).assignments}


def preview_rows(session: Session, actor: Member, run_id: int, *, change: str | None = None,
                 category_id: int | None = None) -> list[PreviewRow]:
    """The run's requests in order of their window, optionally only one kind of change or one category."""
    run = get_run(session, actor, run_id)
    if change is not None and change not in CHANGES:
        raise ValidationFailed("The change is one of %(values)s.", field="change", values=", ".join(CHANGES))
    return [r for r in rows_of(session, run)
            if (change is None or r.change == change) and (category_id is None or r.category_id == category_id)]


def rows_of(session: Session, run: OptimiserRun) -> list[PreviewRow]:
    best = _placements(run.solution_json)
    if best is None:
        return []
    fcfs = _placements(run.fcfs_solution_json)
    solution = adapter.parse_solution(run.solution_json)
    request_ids = sorted({int(a.request) for a in solution.assignments} | {int(u) for u in solution.unserved})
    requests = {r.id: r for r in session.scalars(
        select(FlexibleRequest).where(FlexibleRequest.id.in_(request_ids))
        .options(joinedload(FlexibleRequest.member), joinedload(FlexibleRequest.category)))} if request_ids else {}
    asset_ids = {a for a, _, _ in best.values()} | {a for a, _, _ in (fcfs or {}).values()}
    assets = {a.id: a for a in session.scalars(select(Asset).where(Asset.id.in_(asset_ids))
                                               .options(joinedload(Asset.hub)))} if asset_ids else {}

    def placed(request: FlexibleRequest, found: tuple[int, datetime, datetime] | None) -> Placement | None:
        if found is None or found[0] not in assets:
            return None
        asset = assets[found[0]]
        km = None
        if request.lat is not None and request.lon is not None:
            km = round(distance_km((request.lat, request.lon), (asset.hub.lat, asset.hub.lon)), 3)
        return Placement(asset.id, asset.name, asset.hub.name, asset.hub.timezone, found[1], found[2], km)

    rows = []
    for request_id in request_ids:
        request = requests.get(request_id)
        if request is None:  # deleted since the run: nothing to show for it
            continue
        mine = placed(request, best.get(request_id))
        theirs = placed(request, fcfs.get(request_id)) if fcfs is not None else None
        rows.append(PreviewRow(request.id, request.member_id, request.member.name, request.category_id,
                               request.category.name, tuple(request.asset_types or ()), request.earliest_start,
                               request.latest_end, request.duration_minutes, mine, theirs,
                               _change(mine, theirs) if fcfs is not None else None,
                               request.waitlist_reason if mine is None else ""))
    rows.sort(key=lambda r: (r.earliest_start, r.request_id))
    return rows


def change_counts(rows: list[PreviewRow]) -> dict[str, int]:
    counts = dict.fromkeys(CHANGES, 0)
    for r in rows:
        if r.change is not None:
            counts[r.change] += 1
    return counts
