"""The catalogue searches read in autocommit on PostgreSQL (no BEGIN, no COMMIT: app/autocommit_reads.py); every
other request, and every write, keeps its transaction."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import ApiToken, Booking
from tests.helpers import at, each_statement

pytestmark = pytest.mark.db


def autocommit_per_statement(engine):
    """For each statement sent: whether its connection was in autocommit."""
    return each_statement(engine, lambda conn, _statement: bool(conn.connection.dbapi_connection.autocommit))


@pytest.fixture
def postgres(session):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("autocommit reads are PostgreSQL's; SQLite keeps its BEGIN for every request")
    return db.engine


@pytest.fixture
def reader(make, session):
    member = make.member(email="reader@example.org")
    asset = make.asset()
    token = issue_token(session, member, "test", utcnow())[0]
    session.commit()
    return {"Authorization": f"Bearer {token}"}, asset, member


def _z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_the_api_search_reads_in_autocommit_and_still_records_the_tokens_use(postgres, client, reader, session):
    headers, asset, member = reader
    start = at(days=3, hour=10)
    query = {"available_from": _z(start), "available_until": _z(start + timedelta(hours=2))}
    # The token's first use is written (its own UPDATE, committed at once); the request reads on after that in an
    # ordinary transaction, the next ones (within a minute) in autocommit throughout.
    assert client.get("/api/v1/assets", headers=headers, query_string=query).status_code == 200
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.member_id == member.id)) is not None
    session.commit()
    with autocommit_per_statement(postgres) as seen:
        r = client.get("/api/v1/assets", headers=headers, query_string=query)
    assert r.status_code == 200 and [i["id"] for i in r.get_json()["items"]] == [asset.id]
    assert seen and all(seen), seen


def test_the_search_page_reads_in_autocommit(postgres, client, reader):
    with autocommit_per_statement(postgres) as seen:
        r = client.get("/assets")
    assert r.status_code == 200
    assert seen and all(seen), seen


def test_other_reads_and_writes_keep_their_transaction(postgres, client, reader, session):
    headers, asset, _member = reader
    with autocommit_per_statement(postgres) as seen:
        assert client.get("/api/v1/hubs", headers=headers).status_code == 200
    assert seen and not any(seen), seen
    with autocommit_per_statement(postgres) as seen:
        r = client.post("/api/v1/bookings", headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                        json={"asset_id": asset.id, "start": _z(at(2, 9)), "end": _z(at(2, 11))})
    assert r.status_code == 201, r.get_json()
    assert seen and not any(seen), seen
    session.expire_all()
    assert session.scalar(select(Booking.id).where(Booking.asset_id == asset.id)) is not None
