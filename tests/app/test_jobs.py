"""Background optimiser runs: in a thread without Redis, through RQ with Redis, and the CLI; a direct
booking committed while a run is solving wins over the run's assignment."""
from __future__ import annotations

import socket
import uuid

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from fleet.core.db import utcnow
from fleet.models import HOLDING_STATUSES, Booking, BookingStatus, FlexibleRequest, OptimiserRun, RequestStatus, Role, RunStatus
from fleet.allocation.optimiser_runs import apply_run, create_run, execute_run, progress_message
from tests.helpers import at


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def waiting(make, session):
    hub = make.hub(opening_hours="24/7")
    cars = make.category(name="Cars", min_duration_minutes=60)
    car = make.asset(cars, hub, name="Car")
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    member = make.member()
    request = FlexibleRequest(member_id=member.id, category_id=cars.id, requires={}, earliest_start=at(2, 8),
                              latest_end=at(2, 18), duration_minutes=120, status=RequestStatus.waitlisted,
                              created_at=utcnow(), updated_at=utcnow())
    session.add(request)
    session.commit()
    return dict(coordinator=coordinator, request=request, car=car, member=member)


def test_run_in_a_thread_without_redis(app, session, waiting):
    from app.jobs import start_run

    run_id = create_run(session, waiting["coordinator"], 7, utcnow(), time_limit=3).id
    session.commit()
    session.close()  # on SQLite a transaction left open here would hold the lock the worker needs
    assert app.config.get("REDIS_URL") is None
    assert start_run(run_id) == "thread"
    for thread in app.extensions.pop("optimiser_threads"):
        thread.join(60)
    run = session.get(OptimiserRun, run_id)
    assert run.status == RunStatus.preview and run.served == 1 and run.requests_count == 1


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379 (CI and the project machines have it)")
def test_run_through_rq_with_redis(app, session, waiting, database_url):
    from redis import Redis
    from rq import Queue

    from app.job_queue import QUEUE_NAME
    from app.jobs import start_run
    from app.workers import SimpleWorker

    run_id = create_run(session, waiting["coordinator"], 7, utcnow(), time_limit=3).id
    session.commit()
    session.close()
    url = f"redis://127.0.0.1:6379/{9 + uuid.uuid4().int % 6}"
    connection = Redis.from_url(url)
    connection.flushdb()
    app.config.update(REDIS_URL=url, JOB_DATABASE_URL=database_url)
    try:
        assert start_run(run_id) == "rq"
        queue = Queue(QUEUE_NAME, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)  # in this process, as a worker would
    finally:
        app.config.update(REDIS_URL=None, JOB_DATABASE_URL=None)
        connection.flushdb()
    run = session.get(OptimiserRun, run_id)
    assert run.status == RunStatus.preview and run.served == 1, run.error


def test_direct_booking_committed_mid_run_wins(app, session, waiting):
    """The solver works on a snapshot; a member books the only car while it solves. Applying must not
    double-book: the assignment is re-checked, found taken, and the request solved again."""
    from app.extensions import db

    run = create_run(session, waiting["coordinator"], 7, utcnow(), time_limit=3)
    session.commit()
    car_id, member_id = waiting["car"].id, waiting["member"].id

    def direct_booking_lands(message):
        session.commit()  # the run's progress is committed, as the job does
        if message.startswith("Solving"):
            with Session(db.engine) as other:  # another member, another connection
                other.add(Booking(asset_id=car_id, member_id=member_id, start_at=at(2, 0), end_at=at(3, 0),
                                  status=BookingStatus.confirmed))
                other.commit()

    execute_run(session, run.id, utcnow(), progress=direct_booking_lands)
    session.commit()
    assert run.served == 1  # the snapshot still saw the car free
    apply_run(session, waiting["coordinator"], run.id, utcnow())
    session.commit()
    session.expire_all()
    request = session.get(FlexibleRequest, waiting["request"].id)
    assert request.status == RequestStatus.waitlisted
    assert session.get(OptimiserRun, run.id).skipped_count == 1
    # the progress line is stored in English and given back as a template with its values, to translate it
    assert progress_message(session.get(OptimiserRun, run.id)) == (
        "Applied: %(applied)s bookings made, %(lost)s lost their slot meanwhile",
        {"requests": 1, "assets": 1, "served": 1, "fcfs": 1, "applied": 0, "lost": 1})
    a, b = aliased(Booking), aliased(Booking)
    assert session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.asset_id == b.asset_id, a.id < b.id, a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
        a.start_at < b.end_at, b.start_at < a.end_at))) == 0


def test_cli_schedule_run_previews_and_applies(app, session, waiting):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["schedule", "run", "--horizon-days", "7", "--time-limit", "3", "--apply"])
    assert result.exit_code == 0, result.output
    assert "served 1/1 requests" in result.output and "Applied: 1 bookings made" in result.output
    session.expire_all()
    assert session.get(FlexibleRequest, waiting["request"].id).status == RequestStatus.assigned


def test_cli_refuses_a_bad_horizon(app, session, waiting):
    result = app.test_cli_runner().invoke(args=["schedule", "run", "--horizon-days", "0"])
    assert result.exit_code == 2 and "horizon-days" in result.output
