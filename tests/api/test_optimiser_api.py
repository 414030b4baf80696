"""Optimiser runs through the API: start one (202, idempotent), follow it to its preview, read who gets what
against first come, first served (filtered), apply or discard it (idempotent); coordinators only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.api import optimiser_schemas
from fleet.allocation import optimiser_runs
from fleet.core.db import utcnow
from fleet.models import FlexibleRequest, OptimiserRun, RequestStatus
from tests.helpers import at

BODY = {"horizon_days": 7, "time_limit_seconds": 5, "method": "cpsat"}


@pytest.fixture
def crunch(make, session, people):
    """Both cars are free only 09:00-12:00 on day 3; first come, first served gives the seven seater to the
    first request (any car) and leaves the second (needs 7 seats) unserved; the optimiser serves both."""
    hub = make.hub(name="Station", opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60, max_duration_minutes=1440)
    van = make.asset(cars, hub, name="Seven seater", capabilities={"seats": 7, "towbar": True})
    small = make.asset(cars, hub, name="Small car", capabilities={"seats": 4, "towbar": False})
    blocker = make.member(name="Blocker")
    for car in (van, small):
        make.booking(car, blocker, at(3, 0), at(3, 9))
        make.booking(car, blocker, at(3, 12), at(4, 0))
    now = utcnow()
    made = []
    for i, requires in enumerate(({}, {"seats": 7})):
        r = FlexibleRequest(member_id=people["member"].id, category_id=cars.id, requires=requires,
                            earliest_start=at(3, 9), latest_end=at(3, 12), duration_minutes=180,
                            status=RequestStatus.waitlisted, created_at=now + timedelta(minutes=i),
                            updated_at=now + timedelta(minutes=i))
        session.add(r)
        made.append(r)
    session.commit()
    return dict(cars=cars, van=van, small=small, any_car=made[0], needs_seven=made[1])


@pytest.fixture
def sync(app, monkeypatch):
    from app.jobs import run_optimiser

    def start_run(run_id: int) -> str:
        run_optimiser(run_id, app)
        return "thread"

    monkeypatch.setattr("app.api.optimiser.start_run", start_run)


def runs(session) -> int:
    return session.scalar(select(func.count(OptimiserRun.id)))


def test_a_script_does_what_the_coordinator_does(coord_api, session, crunch, sync):
    r = coord_api.post("/optimiser-runs", json=BODY, headers={"Idempotency-Key": "nightly-1"})
    assert r.status_code == 202, r.get_json()
    rid = r.get_json()["id"]
    assert r.headers["Location"].endswith(f"/api/v1/optimiser-runs/{rid}")
    again = coord_api.post("/optimiser-runs", json=BODY, headers={"Idempotency-Key": "nightly-1"})
    assert again.status_code == 202 and again.get_json()["id"] == rid and runs(session) == 1
    assert again.headers["Idempotent-Replayed"] == "true"

    body = coord_api.get(f"/optimiser-runs/{rid}").get_json()
    assert body["status"] == "preview"
    assert (body["figures"]["served"], body["figures"]["fcfs_served"]) == (2, 1)
    assert body["changes"] == {"gained": 1, "lost": 0, "moved": 1, "same": 0, "unserved": 0}
    by_id = {row["request_id"]: row for row in body["requests"]}
    seven = by_id[crunch["needs_seven"].id]
    assert seven["change"] == "gained" and seven["fcfs_assignment"] is None
    assert seven["assignment"]["asset_id"] == crunch["van"].id and seven["member_id"] == crunch["any_car"].member_id
    anyone = by_id[crunch["any_car"].id]
    assert anyone["change"] == "moved" and anyone["fcfs_assignment"]["asset_name"] == "Seven seater"
    only = coord_api.get(f"/optimiser-runs/{rid}?change=gained").get_json()["requests"]
    assert [row["request_id"] for row in only] == [crunch["needs_seven"].id]

    applied = coord_api.post(f"/optimiser-runs/{rid}/apply", headers={"Idempotency-Key": "apply-1"})
    assert applied.status_code == 200 and applied.get_json()["status"] == "applied"
    assert applied.get_json()["figures"]["applied"] == 2
    replay = coord_api.post(f"/optimiser-runs/{rid}/apply", headers={"Idempotency-Key": "apply-1"})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    twice = coord_api.post(f"/optimiser-runs/{rid}/apply")
    assert twice.status_code == 409 and "only a preview can be applied" in twice.get_json()["detail"]
    session.expire_all()
    assert session.get(FlexibleRequest, crunch["needs_seven"].id).booking.asset_id == crunch["van"].id
    listing = coord_api.get("/optimiser-runs").get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == rid and "requests" not in listing["items"][0]


def test_discard_books_nothing(coord_api, session, crunch, sync):
    rid = coord_api.post("/optimiser-runs", json={"horizon_days": 7, "time_limit_seconds": 2}).get_json()["id"]
    r = coord_api.post(f"/optimiser-runs/{rid}/discard")
    assert r.status_code == 200 and r.get_json()["status"] == "discarded"
    session.expire_all()
    assert session.get(FlexibleRequest, crunch["any_car"].id).status == RequestStatus.waitlisted


@pytest.mark.parametrize("body, field", [
    ({"horizon_days": 0}, "horizon_days"), ({"horizon_days": 91}, "horizon_days"),
    ({"time_limit_seconds": 0.5}, "time_limit_seconds"), ({"method": "magic"}, "method"),
    ({"horizon_days": "7"}, "horizon_days"), ({"colour": "red"}, None),
])
def test_bad_input_is_a_422_problem_and_stores_nothing(coord_api, session, crunch, sync, body, field):
    r = coord_api.post("/optimiser-runs", json=body)
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    if field:
        assert r.get_json().get("field") == field
    assert runs(session) == 0


def test_bad_filters_and_unknown_runs(coord_api, session, crunch, sync):
    rid = coord_api.post("/optimiser-runs", json=BODY).get_json()["id"]
    assert coord_api.get(f"/optimiser-runs/{rid}?change=better").status_code == 422
    assert coord_api.get(f"/optimiser-runs/{rid}?category=x").status_code == 422
    assert coord_api.get(f"/optimiser-runs/{rid + 99}").status_code == 404
    assert coord_api.post(f"/optimiser-runs/{rid + 99}/apply").status_code == 404


def test_members_are_refused(api, anon_api, coord_api, session, crunch, sync):
    rid = coord_api.post("/optimiser-runs", json=BODY).get_json()["id"]
    assert api.post("/optimiser-runs", json=BODY).status_code == 403
    assert api.get(f"/optimiser-runs/{rid}").status_code == 403
    assert api.post(f"/optimiser-runs/{rid}/apply").status_code == 403
    assert anon_api.get("/optimiser-runs").status_code == 401
    assert runs(session) == 1


def test_the_limits_agree_and_the_operations_are_documented(client):
    assert optimiser_schemas.MAX_HORIZON_DAYS == optimiser_runs.MAX_HORIZON_DAYS
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/optimiser-runs", "/optimiser-runs/{run_id}", "/optimiser-runs/{run_id}/apply",
                 "/optimiser-runs/{run_id}/discard"):
        assert path in doc["paths"]
    create = doc["paths"]["/optimiser-runs"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "OptimiserRun" in doc["components"]["schemas"]
