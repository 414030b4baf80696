"""Optimiser runs through the API (coordinators): start one (202: stored queued, computed by a background job),
follow it to its preview, see who gets what against first come, first served, then apply or discard it.
The progress line and errors are in English."""
from __future__ import annotations

import json

from flask import Response, jsonify, request, url_for

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.input import json_body, page_args
from app.api.optimiser_schemas import DEFAULT_HORIZON_DAYS, DEFAULT_TIME_LIMIT, OPTIMISER_RUN_REQUEST
from app.extensions import db
from app.jobs import start_run
from app.transaction import after_commit
from fleet.allocation import optimiser_runs as run_service
from fleet.allocation import run_preview
from fleet.core import job_runs
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.members.idempotency import claim_key, fingerprint, remember_response

_API_FIELDS = {"time_limit": "time_limit_seconds"}


def _placement(p) -> dict | None:
    if p is None:
        return None
    return {"asset_id": p.asset_id, "asset_name": p.asset_name, "hub_name": p.hub_name,
            "start": out.rfc3339(p.start), "end": out.rfc3339(p.end), "distance_km": p.distance_km}


def preview_row(r) -> dict:
    return {"request_id": r.request_id, "member_id": r.member_id, "member_name": r.member_name,
            "category_id": r.category_id, "category_name": r.category_name, "types": list(r.types),
            "earliest_start": out.rfc3339(r.earliest_start), "latest_end": out.rfc3339(r.latest_end),
            "duration_minutes": r.duration_minutes, "assignment": _placement(r.run),
            "fcfs_assignment": _placement(r.fcfs), "change": r.change}


def optimiser_run(run, rows: list | None = None) -> dict:
    body = {"id": run.id, "status": run.status.value, "progress": run.progress, "error": run.error or "",
            "created_at": out.rfc3339(run.created_at), "finished_at": out.rfc3339(run.finished_at),
            "applied_at": out.rfc3339(run.applied_at), "started_by_id": run.started_by_id,
            "horizon_start": out.rfc3339(run.horizon_start), "horizon_end": out.rfc3339(run.horizon_end),
            "method": run.method, "time_limit_seconds": run.time_limit_seconds, "solver_status": run.solver_status,
            "stalled": job_runs.stalled(run, utcnow()),
            "figures": {"requests": run.requests_count, "assets": run.assets_count,
                        "fixed_bookings": run.bookings_count, "served": run.served,
                        "served_hours": run.served_hours, "weighted_hours": run.weighted_hours,
                        "bound_weighted_hours": run.bound_weighted_hours, "distance_km": run.distance_km,
                        "fcfs_served": run.fcfs_served, "fcfs_served_hours": run.fcfs_served_hours,
                        "fcfs_weighted_hours": run.fcfs_weighted_hours, "fcfs_distance_km": run.fcfs_distance_km,
                        "wall_seconds": run.wall_seconds, "applied": run.applied_count,
                        "lost_meanwhile": run.skipped_count}}
    if rows is not None:
        body["changes"] = run_preview.change_counts(rows)
    return body


def _claim(member, now):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    return claim_key(db.session, member, key, fingerprint("POST", request.path, request.get_data()), now)


def _answer(body: str, status: int, run_id: int, replayed: bool = False) -> Response:
    headers = {"Location": url_for("api.get_optimiser_run", run_id=run_id)} if status == 202 else {}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status=status, mimetype="application/json", headers=headers)


@bp.post("/optimiser-runs")
@coordinator_only
def create_optimiser_run():
    data = json_body(OPTIMISER_RUN_REQUEST)
    member, now = actor(), utcnow()
    claim = _claim(member, now)
    if claim is not None and claim.replay:
        body = claim.record.response_body
        return _answer(body, claim.record.status_code or 202, json.loads(body)["id"], replayed=True)
    days = data.get("horizon_days", DEFAULT_HORIZON_DAYS)
    if isinstance(days, float) and days.is_integer():  # 7.0 is the integer 7 in JSON Schema
        days = int(days)
    try:
        run = run_service.create_run(db.session, member, days, now,
                                     time_limit=float(data.get("time_limit_seconds", DEFAULT_TIME_LIMIT)),
                                     method=data.get("method", "cpsat"), pool_id=data.get("pool_id"))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.template, field=_API_FIELDS.get(exc.field, exc.field), **exc.params) from None
    run_id, body = run.id, json.dumps(optimiser_run(run))
    if claim is not None:
        remember_response(db.session, claim, 202, body)
    response = _answer(body, 202, run_id)

    def hand_over() -> None:
        # The job opens its own session once the run is committed. When it cannot be handed over (Redis down),
        # the run is failed already: the answer says so rather than "queued".
        if start_run(run_id) == "failed":
            response.set_data(json.dumps(optimiser_run(run_service.get_run(db.session, member, run_id))))

    after_commit(hand_over)
    return response


@bp.get("/optimiser-runs")
@coordinator_only
def list_optimiser_runs():
    page, per_page = page_args()
    runs, total = run_service.page_of_runs(db.session, actor(), limit=per_page, offset=(page - 1) * per_page)
    return out.page([optimiser_run(r) for r in runs], page, per_page, total)


def _category_arg() -> int | None:
    text = request.args.get("category")
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
        raise ValidationFailed("category must be a category id.", field="category")
    return int(text)


@bp.get("/optimiser-runs/<id:run_id>")
@coordinator_only
def get_optimiser_run(run_id: int):
    member = actor()
    run = run_service.get_run(db.session, member, run_id)
    everything = run_preview.preview_rows(db.session, member, run_id)
    rows = run_preview.preview_rows(db.session, member, run_id, change=request.args.get("change"),
                                    category_id=_category_arg())
    body = optimiser_run(run, everything)
    body["requests"] = [preview_row(r) for r in rows]
    return jsonify(body)


def _decide(run_id: int, decide) -> Response:
    member, now = actor(), utcnow()
    claim = _claim(member, now)
    if claim is not None and claim.replay:
        return _answer(claim.record.response_body, claim.record.status_code or 200, run_id, replayed=True)
    run = decide(db.session, member, run_id, now)
    body = json.dumps(optimiser_run(run))
    if claim is not None:
        remember_response(db.session, claim, 200, body)
    return _answer(body, 200, run_id)


@bp.post("/optimiser-runs/<id:run_id>/apply")
@coordinator_only
def apply_optimiser_run(run_id: int):
    return _decide(run_id, run_service.apply_run)


@bp.post("/optimiser-runs/<id:run_id>/discard")
@coordinator_only
def discard_optimiser_run(run_id: int):
    return _decide(run_id, lambda session, member, rid, now: run_service.discard_run(session, member, rid, now))
