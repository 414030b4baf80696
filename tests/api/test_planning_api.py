"""Fleet plans through the API: POST answers 202 at once with the run queued, a background job computes it,
GET follows it to its report; idempotent retries; strict input (422 problems); coordinators only."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.api import planning_schemas
from fleet.reporting import fleet_plans as planning_service
from fleet.core.db import utcnow
from fleet.models import BookingStatus, PlanningRun, PlanningStatus

BODY = {"days": 7, "time_limit_seconds": 5}


@pytest.fixture
def demand(make, session, people):
    """Three bikes at one hub; two of them were out at once on four days of the last week."""
    now = utcnow()
    hub = make.hub(name="City", opening_hours="24/7")
    bikes = make.category(name="Cargo bikes", capability_schema={})
    bike = [make.asset(bikes, hub, name=f"Bike {i}", capabilities={}) for i in range(3)]
    for d in range(2, 6):
        day = (now - timedelta(days=d)).replace(hour=8, minute=0, second=0, microsecond=0)
        make.booking(bike[0], people["member"], day, day + timedelta(hours=4), status=BookingStatus.completed)
        make.booking(bike[1], people["member"], day + timedelta(hours=2), day + timedelta(hours=6),
                     status=BookingStatus.completed)
    session.commit()
    return dict(bikes=bikes, bike=bike, hub=hub)


@pytest.fixture
def held(monkeypatch):
    """Jobs handed over but not run yet; the test runs them (run_planning) when it wants, as a worker would."""
    started = []

    def start_planning_run(run_id: int) -> str:
        started.append(run_id)
        return "rq"

    monkeypatch.setattr("app.api.planning.start_planning_run", start_planning_run)
    return started


def runs(session) -> int:
    return session.scalar(select(func.count(PlanningRun.id)))


def test_create_answers_at_once_queued_then_the_job_finishes_it(app, coord_api, session, demand, held, people):
    from app.jobs import run_planning

    bikes, coordinator = str(demand["bikes"].id), people["coordinator"].id
    r = coord_api.post("/planning-runs", json=BODY)
    assert r.status_code == 202, r.get_json()
    body = r.get_json()
    assert body["status"] == "queued" and body["progress"] == "Waiting for a worker" and body["report"] is None
    assert body["finished_at"] is None and body["error"] == "" and body["time_limit_seconds"] == 5
    assert body["started_by_id"] == coordinator
    assert r.headers["Location"] == f"/api/v1/planning-runs/{body['id']}"
    assert held == [body["id"]]  # handed to a worker after the commit, not computed in the request
    assert coord_api.get(r.headers["Location"].removeprefix("/api/v1")).get_json()["status"] == "queued"

    session.close()
    run_planning(body["id"], app)  # the worker
    got = coord_api.get(f"/planning-runs/{body['id']}")
    assert got.status_code == 200
    run = got.get_json()
    assert run["status"] == "finished" and run["progress"] == "Finished" and run["finished_at"]
    assert run["requests_count"] == 8 and run["assets_count"] == 3
    report = run["report"]
    category = next(c for c in report["categories"] if c["category"] == bikes)
    assert category["fewest"]["needed"] == 2 and len(category["fewest"]["surplus"]) == 1
    assert report["names"]["categories"][bikes] == "Cargo bikes"
    # the report is the one the web page offers for download
    assert report == planning_service.get_plan(session, session.merge(people["coordinator"]), body["id"]).report


def test_create_in_a_thread_without_redis(app, coord_api, session, demand):
    r = coord_api.post("/planning-runs", json={})  # the defaults: 28 days, 30 s
    assert r.status_code == 202 and r.get_json()["status"] == "queued"
    session.close()
    for thread in app.extensions.pop("planning_threads"):
        thread.join(120)
    run = coord_api.get(f"/planning-runs/{r.get_json()['id']}").get_json()
    assert run["status"] == "finished", run["error"]
    assert run["time_limit_seconds"] == 30 and run["report"]["categories"]


def test_a_failure_is_recorded_on_the_run(app, coord_api, session, demand, held, monkeypatch):
    from app.jobs import run_planning

    def broken(problem, time_limit, workers=2):
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr("fleet.allocation.scheduling_adapter.plan_fleet", broken)
    rid = coord_api.post("/planning-runs", json=BODY).get_json()["id"]
    session.close()
    run_planning(rid, app)
    run = coord_api.get(f"/planning-runs/{rid}").get_json()
    assert run["status"] == "failed" and run["error"] == "RuntimeError: the solver fell over"
    assert run["progress"] == "Failed" and run["report"] is None and run["finished_at"]
    listed = coord_api.get("/planning-runs?status=failed").get_json()
    assert [item["id"] for item in listed["items"]] == [rid]


def test_idempotency_key_replays_the_first_answer(coord_api, session, demand, held):
    headers = {"Idempotency-Key": "plan-7-days"}
    first = coord_api.post("/planning-runs", json=BODY, headers=headers)
    again = coord_api.post("/planning-runs", json=BODY, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert runs(session) == 1 and len(held) == 1
    other = coord_api.post("/planning-runs", json={**BODY, "days": 8}, headers=headers)
    assert other.status_code == 422 and other.get_json()["field"] == "Idempotency-Key"
    assert coord_api.post("/planning-runs", json=BODY, headers={"Idempotency-Key": " "}).status_code == 422
    assert runs(session) == 1


@pytest.mark.parametrize("raw,field", [
    ({"days": 0}, "days"),
    ({"days": 91}, "days"),
    ({"days": "7"}, "days"),
    ({"days": 7.5}, "days"),
    ({"days": True}, "days"),
    ({"days": None}, "days"),
    ({"time_limit_seconds": 0.5}, "time_limit_seconds"),
    ({"time_limit_seconds": 121}, "time_limit_seconds"),
    ({"time_limit_seconds": "30"}, "time_limit_seconds"),
    ({"time_limit_seconds": False}, "time_limit_seconds"),
    ({"time_limit": 30}, None),  # the API's name is time_limit_seconds: an unknown field
    ([7, 5], None),
])
def test_bad_input_is_a_422_problem_and_stores_nothing(coord_api, session, demand, held, raw, field):
    r = coord_api.post("/planning-runs", json=raw)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["status"] == 422 and problem["title"] == "Unprocessable content" and problem["detail"]
    assert problem.get("field") == field
    assert runs(session) == 0 and held == []


def test_values_json_schema_lets_through_are_still_refused(coord_api, session, demand, held):
    """NaN is not JSON, but Python's parser reads it; 7.0 is an integer to JSON Schema and is taken as 7."""
    for text in ('{"time_limit_seconds": NaN}', '{"days": NaN}'):
        r = coord_api.client.post("/api/v1/planning-runs", data=text, content_type="application/json",
                                  headers={"Authorization": f"Bearer {coord_api.token}"})
        assert r.status_code == 422 and r.get_json()["field"] in ("time_limit_seconds", "days"), text
    assert runs(session) == 0
    r = coord_api.post("/planning-runs", json={"days": 7.0})
    assert r.status_code == 202
    run = session.get(PlanningRun, r.get_json()["id"])
    assert run.period_end - run.period_start == timedelta(days=7)


def test_malformed_requests_are_problems(coord_api, session, demand, held):
    headers = {"Authorization": f"Bearer {coord_api.token}"}
    client = coord_api.client
    assert client.post("/api/v1/planning-runs", data="{", content_type="application/json",
                       headers=headers).status_code == 400
    assert client.post("/api/v1/planning-runs", data="days=7", headers=headers,
                       content_type="application/x-www-form-urlencoded").status_code == 415
    for query in ("status=done", "page=0", "per_page=101", "colour=red"):
        r = coord_api.get(f"/planning-runs?{query}")
        assert r.status_code == 422 and r.mimetype == "application/problem+json", query
    assert coord_api.get("/planning-runs/999999").status_code == 404
    assert coord_api.get("/planning-runs/99999999999").status_code == 404
    assert runs(session) == 0


def test_list_is_newest_first_without_reports_and_pages(coord_api, session, demand, held, people):
    now = utcnow()
    made = [planning_service.create_plan(session, people["coordinator"], 7, 5, now).id for _ in range(3)]
    planning_service.execute_plan(session, made[0], now)
    session.commit()
    page = coord_api.get("/planning-runs?per_page=2").get_json()
    assert page["total"] == 3 and page["page"] == 1 and page["per_page"] == 2
    assert [item["id"] for item in page["items"]] == made[:0:-1]
    assert all("report" not in item for item in page["items"])
    assert [i["id"] for i in coord_api.get("/planning-runs?per_page=2&page=2").get_json()["items"]] == [made[0]]
    finished = coord_api.get("/planning-runs?status=finished").get_json()
    assert finished["total"] == 1 and finished["items"][0]["status"] == "finished"
    assert coord_api.get("/planning-runs?status=queued").get_json()["total"] == 2


def test_members_are_refused_and_anonymous_callers_asked_for_a_token(api, anon_api, coord_api, session, demand,
                                                                      held, people):
    run = planning_service.create_plan(session, people["coordinator"], 7, 5, utcnow())
    session.commit()
    for response in (api.post("/planning-runs", json=BODY), api.get("/planning-runs"),
                     api.get(f"/planning-runs/{run.id}"), api.get("/planning-runs/999999")):
        assert response.status_code == 403 and response.mimetype == "application/problem+json"
    for response in (anon_api.post("/planning-runs", json=BODY), anon_api.get("/planning-runs"),
                     anon_api.get(f"/planning-runs/{run.id}")):
        assert response.status_code == 401
    assert runs(session) == 1 and held == []


def test_the_operations_are_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    create = doc["paths"]["/planning-runs"]["post"]
    assert "202" in create["responses"] and "422" in create["responses"]
    assert create["responses"]["202"]["headers"]["Location"]["required"] is True
    assert create["requestBody"]["content"]["application/json"]["schema"] == planning_schemas.PLANNING_RUN_REQUEST
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert doc["paths"]["/planning-runs/{run_id}"]["get"]["operationId"] == "getPlanningRun"
    assert {"PlanningRun", "PlanningReport"} <= doc["components"]["schemas"].keys()
    # the published limits are the service's
    assert planning_schemas.MAX_PERIOD_DAYS == planning_service.MAX_PERIOD_DAYS
    assert planning_schemas.MAX_TIME_LIMIT == planning_service.MAX_TIME_LIMIT
    assert planning_schemas.STATUSES == [s.value for s in PlanningStatus]


def test_a_finished_report_matches_its_published_schema(app, coord_api, session, demand, held):
    from jsonschema import Draft202012Validator

    from app.api.schemas import RESPONSES
    from app.jobs import run_planning

    rid = coord_api.post("/planning-runs", json=BODY).get_json()["id"]
    session.close()
    run_planning(rid, app)
    body = coord_api.get(f"/planning-runs/{rid}").get_json()
    schema = {"$ref": "#/components/schemas/PlanningRun", "components": {"schemas": RESPONSES}}
    errors = list(Draft202012Validator(schema).iter_errors(json.loads(json.dumps(body))))
    assert not errors, errors[0].message
    assert body["report"]["categories"]


def test_a_run_whose_job_ended_silently_is_marked_stalled(coord_api, session, demand, held):
    from datetime import timedelta

    from fleet.core.db import utcnow
    from fleet.core.job_runs import STALL_GRACE
    from fleet.models import PlanningRun

    body = coord_api.post("/planning-runs", json=BODY).get_json()
    assert body["stalled"] is False
    run = session.get(PlanningRun, body["id"])
    run.created_at = utcnow() - timedelta(seconds=run.time_limit_seconds) - STALL_GRACE - timedelta(minutes=1)
    session.commit()
    got = coord_api.get(f"/planning-runs/{body['id']}").get_json()
    assert got["stalled"] is True and got["status"] == "queued"  # reported, not changed


def test_a_run_that_cannot_be_handed_over_answers_failed_not_queued(app, coord_api, session, demand):
    """Redis down: the run is recorded failed at once, and the answer says so (a client polling a "queued" run
    would otherwise wait for a job that does not exist)."""
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        r = coord_api.post("/planning-runs", json=BODY)
    finally:
        app.config.update(REDIS_URL=None)
    assert r.status_code == 202
    body = r.get_json()
    assert body["status"] == "failed" and "could not be started" in body["error"] and body["finished_at"]
    assert coord_api.get(f"/planning-runs/{body['id']}").get_json()["status"] == "failed"
