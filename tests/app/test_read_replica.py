"""The read replica (app/read_replica.py, DATABASE_REPLICA_URL): the dashboards, the open book and the public feeds
read through it, everything else and every write goes to the primary; a replica that cannot be reached is read
around (the primary answers). The "replica" here is a second database whose contents differ from the primary's, so
each answer shows which one it came from. On PostgreSQL (`-m db`) both are databases this test creates and drops."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import (
    DEFAULT_POOL_SLUG, Pool,
    Booking, BookingStatus, DecisionMethod, Electorate, Proposal, ProposalKind, ProposalStatus, Role, metadata,
)
from tests.conftest import BACKEND
from tests.helpers import Maker, at, postgres_admin_url

UNREACHABLE = "postgresql+psycopg://commonpool@127.0.0.1:1/nothing"  # nothing listens on port 1
CALENDAR_SECRET = "r" * 43


@pytest.fixture
def replica_url(database_url, tmp_path):
    """An empty second database with the schema, dropped afterwards."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path / 'replica.sqlite'}"
        yield url
        return
    import psycopg

    name = f"commonpool_replica_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{admin.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def replica(replica_url):
    """A session on the replica database, its tables made from the models (what the migrations make: see
    tests/test_migrations.py); emptied by dropping it."""
    engine = create_engine(replica_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _app(database_url, replica_url):
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "DATABASE_REPLICA_URL": replica_url,
                                  "WTF_CSRF_ENABLED": False, "GBFS_SYSTEM_ID": "replica-test"})


def _fill(make: Maker, session, word: str) -> dict:
    """One hub, category and car named after `word`, a completed booking on it, a decided proposal and a
    member with a calendar feed."""
    hub = make.hub(name=f"{word} hub")
    cars = make.category(name="Cars")  # the GBFS feed publishes a category called Cars
    car = make.asset(cars, hub, name=f"{word} car")
    member = make.member(email=f"{word.lower()}@example.org", calendar_secret=CALENDAR_SECRET if word == "Replica"
                         else None)
    now = utcnow()
    make.booking(car, member, now - timedelta(days=3, hours=2), now - timedelta(days=3), BookingStatus.completed)
    session.add(Proposal(pool_id=cars.pool_id, kind=ProposalKind.free_text, title=f"{word} decision", body="",
                         status=ProposalStatus.passed,
                         author_id=member.id, method=DecisionMethod.majority, quorum_percent=0,
                         electorate=Electorate.all, eligible_count=1, opened_at=now - timedelta(days=9),
                         closes_at=now - timedelta(days=2), closed_at=now - timedelta(days=2)))
    session.commit()
    return dict(car=car.id, member=member.id, category=cars.id)


def _replica_maker(make: Maker, replica) -> Maker:
    """A maker for the replica whose default pool has the primary's id, as a real replica (a copy) would: the pools
    a view scopes by are read on the primary (PostgreSQL's sequences are not reset between tests, so the ids
    differ from a fresh database's)."""
    replica.add(Pool(id=make.pool().id, slug=DEFAULT_POOL_SLUG, name="Commonpool"))
    replica.flush()
    return Maker(replica)


def test_dashboards_and_feeds_read_the_replica_while_a_booking_goes_to_the_primary(
        app, session, make, database_url, replica_url, replica):
    primary = _fill(make, session, "Primary")
    _fill(_replica_maker(make, replica), replica, "Replica")
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    token = issue_token(session, session.get(type(coordinator), primary["member"]), "test", utcnow())[0]
    coordinator_token = issue_token(session, coordinator, "test", utcnow())[0]
    session.commit()
    session.close()
    both = _app(database_url, replica_url)
    client = both.test_client()

    for path in ("/gbfs/station_information.json", "/api/v1/stats/utilisation", "/api/v1/stats/impact",
                 "/api/v1/costs", "/pool", "/pool/costs", "/pool/decisions.atom", f"/calendar/{CALENDAR_SECRET}.ics",
                 "/commons-api/v1/items.json", "/commons-api/v1/locations.json"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        body = answer.get_data(as_text=True)
        assert "Replica" in body and "Primary" not in body, path

    # a booking: the primary, and the replica is not written
    start = (at(3, 9)).isoformat()
    booked = client.post("/api/v1/bookings", json={"asset_id": primary["car"], "start": start,
                                                   "end": at(3, 12).isoformat()},
                         headers={"Authorization": f"Bearer {token}"})
    assert booked.status_code == 201, booked.get_json()
    assert session.scalar(select(func.count(Booking.id)).where(Booking.id == booked.get_json()["id"],
                                                               Booking.asset_id == primary["car"])) == 1
    session.rollback()  # on SQLite an open transaction here would hold the lock the next request needs
    replica.rollback()
    assert replica.scalar(select(func.count(Booking.id))) == 1  # only the one it was filled with
    # what is not a dashboard or a feed reads the primary: the member's own bookings, the catalogue
    mine = client.get("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert booked.get_json()["id"] in [b["id"] for b in mine["items"]]  # the replica has no such booking
    catalogue = client.get("/api/v1/assets", headers={"Authorization": f"Bearer {coordinator_token}"})
    assert "Primary car" in catalogue.get_data(as_text=True)
    assert "Replica car" not in catalogue.get_data(as_text=True)
    session.close()


def test_without_a_replica_every_view_reads_the_primary(app, session, make):
    from app.extensions import db
    from app.read_replica import read_only_session

    _fill(make, session, "Primary")
    session.close()
    with app.test_request_context("/pool"):
        assert read_only_session() is db.session
    body = app.test_client().get("/gbfs/station_information.json").get_data(as_text=True)
    assert "Primary hub" in body


def test_a_replica_that_cannot_be_reached_is_read_around(app, session, make, database_url):
    from app.read_replica import EXTENSION

    _fill(make, session, "Primary")
    session.close()
    down = _app(database_url, UNREACHABLE)
    client = down.test_client()
    for path in ("/gbfs/station_information.json", "/api/v1/stats/utilisation", "/pool/costs"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        assert "Primary" in answer.get_data(as_text=True), path
    replica = down.extensions[EXTENSION]
    # left alone for a while: the next readers do not each wait for a connect to fail
    assert replica._down_until > time.monotonic() + 10
    tries = []
    real_connect = replica.engine.connect
    replica.engine.connect = lambda *a, **kw: tries.append(1) or real_connect(*a, **kw)
    assert client.get("/api/v1/costs").status_code == 200
    assert tries == []


def test_a_replica_answers_once_it_is_back(app, session, make, database_url, replica_url, replica):
    """After DATABASE_REPLICA_RETRY_SECONDS the replica is tried again (here with no wait at all)."""
    from app.read_replica import EXTENSION

    _fill(make, session, "Primary")
    _fill(_replica_maker(make, replica), replica, "Replica")
    session.close()
    flaky = _app(database_url, replica_url)
    reader = flaky.extensions[EXTENSION]
    reader.retry_seconds = 0
    reader._down_until = time.monotonic() + 3600  # as after a failed connect
    assert "Primary hub" in flaky.test_client().get("/gbfs/station_information.json").get_data(as_text=True)
    reader._down_until = 0.0
    assert "Replica hub" in flaky.test_client().get("/gbfs/station_information.json").get_data(as_text=True)


@pytest.mark.skipif(BACKEND != "postgres", reason="the read-only session setting is PostgreSQL's")
def test_the_replica_session_is_read_only_on_postgresql(database_url):
    """A replica URL that names the primary by mistake still cannot be written through."""
    from sqlalchemy.exc import DBAPIError

    from app.read_replica import replica_engine_options

    engine = create_engine(database_url, **replica_engine_options(database_url))
    try:
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text("CREATE TABLE replica_probe (id integer)"))
    finally:
        engine.dispose()
