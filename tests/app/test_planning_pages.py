"""Fleet plans from the web UI are computed in the background, like optimiser runs: the POST stores the run
queued and redirects at once, the run's page shows the progress and refreshes itself until the report is
there, and a failure is shown on the run (never lost)."""
from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.models import BookingStatus, PlanningRun, PlanningStatus, Role
from fleet.reporting.fleet_plans import create_plan
from tests.helpers import login


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pool(make, session):
    """Three bikes, never more than two out at once over the last week."""
    now = utcnow()
    hub = make.hub(name="City", opening_hours="24/7")
    bikes = make.category(name="Cargo bikes", capability_schema={})
    bike = [make.asset(bikes, hub, name=f"Bike {i}", capabilities={}) for i in range(3)]
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    member = make.member(email="member@example.org")
    for d in range(2, 6):
        day = (now - timedelta(days=d)).replace(hour=8, minute=0, second=0, microsecond=0)
        make.booking(bike[0], member, day, day + timedelta(hours=4), status=BookingStatus.completed)
        make.booking(bike[1], member, day + timedelta(hours=2), day + timedelta(hours=6),
                     status=BookingStatus.completed)
    session.commit()
    return dict(coordinator=coordinator, member=member, bikes=bikes, bike=bike)


@pytest.fixture
def held(monkeypatch):
    """Jobs handed over but not run: the test runs them when it wants (run_planning), as a worker would later."""
    started = []

    def start_planning_run(run_id: int) -> str:
        started.append(run_id)
        return "rq"

    monkeypatch.setattr("app.web.manage.planning.start_planning_run", start_planning_run)
    return started


def run_id(response) -> int:
    match = re.search(r"/manage/planning/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_post_stores_a_queued_run_and_the_page_refreshes_until_the_report(app, client, session, pool, held):
    from app.jobs import run_planning

    login(client, "coord@example.org")
    r = client.post("/manage/planning", data={"days": "7", "time_limit": "5"})
    assert r.status_code == 302
    rid = run_id(r)
    assert held == [rid]
    run = session.get(PlanningRun, rid)
    assert run.status == PlanningStatus.queued and run.result_json is None and run.started_by_id == pool["coordinator"].id

    html = client.get(f"/manage/planning/{rid}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in html and "Waiting for a worker" in html
    assert "Plan %d started (on a worker)." % rid in html and "What to buy next" not in html
    listing = client.get("/manage/planning").get_data(as_text=True)
    assert f"Plan {rid}" in listing and "queued" in listing
    assert client.get(f"/manage/planning/{rid}/report.json").status_code == 409  # nothing to download yet
    assert client.get(f"/manage/planning/{rid}/instance.json").status_code == 409

    session.close()
    run_planning(rid, app)  # the worker
    html = client.get(f"/manage/planning/{rid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "What to buy next" in html and "How many the demand needed" in html
    assert "8 bookings and requests over 3 assets" in html
    assert client.get(f"/manage/planning/{rid}/report.json").get_json()["categories"]
    assert "finished" in client.get("/manage/planning").get_data(as_text=True)


def test_post_in_a_thread_without_redis(app, client, session, pool):
    login(client, "coord@example.org")
    assert app.config.get("REDIS_URL") is None
    r = client.post("/manage/planning", data={"days": "7", "time_limit": "5"})
    rid = run_id(r)
    session.close()  # on SQLite a transaction left open here would hold the lock the worker needs
    for thread in app.extensions.pop("planning_threads"):
        thread.join(120)
    run = session.get(PlanningRun, rid)
    assert run.status == PlanningStatus.finished, run.error
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Plan %d started (in the background)." % rid in html and "What to buy next" in html


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379 (CI and the project machines have it)")
def test_post_through_rq_with_redis(app, client, session, pool, database_url):
    from redis import Redis
    from rq import Queue

    from app.job_queue import QUEUE_NAME
    from app.workers import SimpleWorker

    url = f"redis://127.0.0.1:6379/{9 + uuid.uuid4().int % 6}"
    connection = Redis.from_url(url)
    connection.flushdb()
    app.config.update(REDIS_URL=url, JOB_DATABASE_URL=database_url)
    try:
        login(client, "coord@example.org")
        rid = run_id(client.post("/manage/planning", data={"days": "7", "time_limit": "5"}))
        session.close()
        queue = Queue(QUEUE_NAME, connection=connection)
        assert queue.count == 1
        assert session.get(PlanningRun, rid).status == PlanningStatus.queued
        session.close()
        SimpleWorker([queue], connection=connection).work(burst=True)  # in this process, as a worker would
    finally:
        app.config.update(REDIS_URL=None, JOB_DATABASE_URL=None)
        connection.flushdb()
    run = session.get(PlanningRun, rid)
    assert run.status == PlanningStatus.finished, run.error


def test_a_failure_is_recorded_and_shown(app, client, session, pool, held, monkeypatch):
    from app.jobs import run_planning

    def broken(problem, time_limit, workers=2):
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr("fleet.allocation.scheduling_adapter.plan_fleet", broken)
    login(client, "coord@example.org")
    rid = run_id(client.post("/manage/planning", data={"days": "7", "time_limit": "5"}))
    session.close()
    run_planning(rid, app)
    run = session.get(PlanningRun, rid)
    assert run.status == PlanningStatus.failed and run.error == "RuntimeError: the solver fell over"
    assert run.finished_at is not None and run.result_json is None
    html = client.get(f"/manage/planning/{rid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "the solver fell over" in html
    assert "could not be computed" in html and "What to buy next" not in html
    assert client.get(f"/manage/planning/{rid}/report.json").status_code == 409
    assert "failed" in client.get("/manage/planning").get_data(as_text=True)


def test_a_job_that_cannot_be_handed_over_fails_the_run(app, client, session, pool, monkeypatch):
    """Redis down when the job is enqueued: the run is marked failed at once instead of waiting forever."""
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        login(client, "coord@example.org")
        r = client.post("/manage/planning", data={"days": "7", "time_limit": "5"})
    finally:
        app.config.update(REDIS_URL=None)
    rid = run_id(r)
    session.expire_all()
    run = session.get(PlanningRun, rid)
    assert run.status == PlanningStatus.failed and "could not be started" in run.error
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "could not be started" in html


@pytest.mark.parametrize("data,message", [
    ({"days": "0", "time_limit": "5"}, "1 to 90 days"),
    ({"days": "91", "time_limit": "5"}, "1 to 90 days"),
    ({"days": "abc", "time_limit": "5"}, "not a whole number"),
    ({"days": "7", "time_limit": ""}, "Enter a time limit"),
    ({"days": "7", "time_limit": "121"}, "1 to 120 seconds"),
    ({"days": "7", "time_limit": "nan"}, ""),
])
def test_bad_form_is_422_and_starts_nothing(client, session, pool, held, data, message):
    login(client, "coord@example.org")
    r = client.post("/manage/planning", data=data)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert held == [] and session.scalar(select(func.count(PlanningRun.id))) == 0


def test_members_get_403(client, session, pool, held):
    run = create_plan(session, pool["coordinator"], 7, 5, utcnow())
    session.commit()
    assert client.get(f"/manage/planning/{run.id}").status_code == 302  # anonymous: log in first
    login(client, "member@example.org")
    assert client.post("/manage/planning", data={"days": "7", "time_limit": "5"}).status_code == 403
    for url in (f"/manage/planning/{run.id}", f"/manage/planning/{run.id}/report.json", "/manage/planning"):
        assert client.get(url).status_code == 403, url
    assert held == [] and session.scalar(select(func.count(PlanningRun.id))) == 1


def test_statuses_are_translated_words():
    from app.i18n import DOMAIN_WORDS

    for status in PlanningStatus:
        assert status.value in DOMAIN_WORDS, status


def test_a_plan_whose_job_ended_silently_says_so_and_stops_refreshing(client, session, pool, held):
    from datetime import timedelta

    from fleet.core.db import utcnow
    from fleet.core.job_runs import STALL_GRACE

    login(client, "coord@example.org")
    rid = run_id(client.post("/manage/planning", data={"days": "7", "time_limit": "5"}))
    html = client.get(f"/manage/planning/{rid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "most likely stopped" not in html
    run = session.get(PlanningRun, rid)
    run.created_at = utcnow() - timedelta(seconds=5) - STALL_GRACE - timedelta(minutes=1)
    session.commit()
    html = client.get(f"/manage/planning/{rid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "most likely stopped" in html
