"""Fleet plans through the API (coordinators): ask for one (202: stored queued, computed by a background job),
follow it to its report, list them. The progress line, errors and the report's labels are in English."""
from __future__ import annotations

import json

from flask import Response, jsonify, request, url_for

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor, coordinator_only
from app.api.input import json_body, page_args
from app.api.planning_schemas import DEFAULT_DAYS, DEFAULT_TIME_LIMIT, PLANNING_RUN_REQUEST, STATUSES
from app.extensions import db
from app.jobs import start_planning_run
from app.transaction import after_commit
from fleet.core import job_runs
from fleet.reporting import fleet_plans as planning_service
from fleet.core.db import utcnow
from fleet.core.errors import ValidationFailed
from fleet.members.idempotency import claim_key, fingerprint, remember_response
from fleet.models import PlanningStatus

# the service's field names where the API names them otherwise
_API_FIELDS = {"time_limit": "time_limit_seconds"}


def planning_run(run, report: dict | None = None, with_report: bool = False) -> dict:
    body = {"id": run.id, "status": run.status.value, "progress": run.progress, "error": run.error or "",
            "created_at": out.rfc3339(run.created_at), "finished_at": out.rfc3339(run.finished_at),
            "started_by_id": run.started_by_id, "period_start": out.rfc3339(run.period_start),
            "period_end": out.rfc3339(run.period_end), "time_limit_seconds": run.time_limit_seconds,
            "wall_seconds": run.wall_seconds, "requests_count": run.requests_count,
            "assets_count": run.assets_count, "stalled": job_runs.stalled(run, utcnow())}
    if with_report:
        body["report"] = report
    return body


def _accepted(body: str, run_id: int, replayed: bool = False) -> Response:
    headers = {"Location": url_for("api.get_planning_run", run_id=run_id)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(body, status=202, mimetype="application/json", headers=headers)


@bp.post("/planning-runs")
@coordinator_only
def create_planning_run():
    data = json_body(PLANNING_RUN_REQUEST)
    member, now = actor(), utcnow()
    key = request.headers.get("Idempotency-Key")
    claim = None
    if key is not None:
        claim = claim_key(db.session, member, key, fingerprint("POST", request.path, request.get_data()), now)
        if claim.replay:
            body = claim.record.response_body
            return _accepted(body, json.loads(body)["id"], replayed=True)
    days = data.get("days", DEFAULT_DAYS)
    if isinstance(days, float) and days.is_integer():  # 7.0 is the integer 7 in JSON Schema
        days = int(days)
    try:
        run = planning_service.create_plan(db.session, member, days,
                                           data.get("time_limit_seconds", DEFAULT_TIME_LIMIT), now,
                                           pool_id=data.get("pool_id"))
    except ValidationFailed as exc:
        raise ValidationFailed(exc.template, field=_API_FIELDS.get(exc.field, exc.field), **exc.params) from None
    run_id, body = run.id, json.dumps(planning_run(run, with_report=True))
    if claim is not None:
        remember_response(db.session, claim, 202, body)
    response = _accepted(body, run_id)

    def hand_over() -> None:
        # The job opens its own session: it is handed the plan once the plan is committed. When it cannot be
        # (Redis down), the run is failed already: the answer says so rather than "queued".
        if start_planning_run(run_id) == "failed":
            run = planning_service.get_plan(db.session, member, run_id).run
            response.set_data(json.dumps(planning_run(run, with_report=True)))

    after_commit(hand_over)
    return response


@bp.get("/planning-runs")
@coordinator_only
def list_planning_runs():
    page, per_page = page_args()
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise ValidationFailed("status must be one of %(values)s.", field="status", values=", ".join(STATUSES))
    runs, total = planning_service.list_plans(db.session, actor(), limit=per_page, offset=(page - 1) * per_page,
                                              status=PlanningStatus(status) if status else None)
    return out.page([planning_run(r) for r in runs], page, per_page, total)


@bp.get("/planning-runs/<id:run_id>")
@coordinator_only
def get_planning_run(run_id: int):
    view = planning_service.get_plan(db.session, actor(), run_id)
    return jsonify(planning_run(view.run, view.report, with_report=True))
