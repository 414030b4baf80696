"""A read with a bearer token writes nothing: the token's last use is recorded at most once a minute."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from fleet.models import ApiToken


@contextmanager
def statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_reads_within_a_minute_issue_no_update(api, session):
    from app.extensions import db

    assert api.get("/hubs").status_code == 200  # the first use is recorded
    with statements(db.engine) as seen:
        for _ in range(10):
            assert api.get("/hubs").status_code == 200
            assert api.get("/assets").status_code == 200
    assert "UPDATE" not in seen and "INSERT" not in seen and "DELETE" not in seen
    assert seen.count("SELECT") >= 20


def test_last_use_is_recorded_again_after_a_minute(api, session, people):
    from app.extensions import db

    assert api.get("/hubs").status_code == 200
    record = session.scalar(select(ApiToken).where(ApiToken.member_id == people["member"].id))
    first = record.last_used_at
    assert first is not None
    record.last_used_at = first - timedelta(minutes=2)
    session.commit()
    with statements(db.engine) as seen:
        assert api.get("/hubs").status_code == 200
    assert seen.count("UPDATE") == 1
    session.expire_all()
    assert session.get(ApiToken, record.id).last_used_at > first - timedelta(minutes=2)


def test_the_last_use_stays_when_the_request_fails(api, session, people):
    assert api.get("/bookings/999999").status_code == 404
    record = session.scalar(select(ApiToken).where(ApiToken.member_id == people["member"].id))
    session.refresh(record)
    assert record.last_used_at is not None
