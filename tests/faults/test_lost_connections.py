"""The database connection dies at the worst moments, on PostgreSQL: while an error answer rolls back, during
COMMIT (before or after the server committed), and two requests deadlock. What must hold: the answer is true
(a 409 stays a 409, a committed booking answers 201, an unknown outcome says so), and a deadlock victim is run
again instead of failing."""
from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import func, select, text

from fleet.core.db import utcnow
from fleet.core.errors import Conflict
from fleet.models import Booking, BookingStatus
from tests.faults.test_faults import _book
from tests.helpers import at, postgres_admin_url


def _terminate(pid: int) -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _count(session) -> int:
    session.rollback()
    count = session.scalar(select(func.count()).select_from(Booking))
    session.rollback()
    return count


@pytest.fixture
def lose_commit(pg, monkeypatch):
    """lose_commit(after=True): a COMMIT reaches the server and commits, then the connection dies before the
    answer arrives; lose_commit(after=False): the connection dies just before the COMMIT is sent. The API's
    token check commits first (last_used_at): the request's own commit is the second."""
    from app.extensions import db

    dialect = db.engine.dialect
    real_commit = dialect.do_commit
    armed = {}

    def do_commit(dbapi_connection):
        armed["seen"] = armed.get("seen", 0) + 1
        if armed.get("at") != armed["seen"]:
            return real_commit(dbapi_connection)
        raw = dbapi_connection.driver_connection
        if armed["after"]:
            real_commit(dbapi_connection)
            _terminate(raw.info.backend_pid)
            raw.execute("SELECT 1")  # raises as the lost answer would: psycopg marks the connection broken
            raise AssertionError("the connection should be gone")
        _terminate(raw.info.backend_pid)
        return real_commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", do_commit)

    def arm(after: bool, nth: int = 2) -> None:
        armed.update(after=after, at=nth, seen=0)

    return arm


def test_a_conflict_stays_a_409_when_the_connection_dies_before_the_rollback(pg, session, spot, monkeypatch):
    import app.api.bookings as api_bookings

    def conflict_on_a_dead_connection(sess, *args, **kwargs):
        _terminate(sess.execute(text("SELECT pg_backend_pid()")).scalar())
        raise Conflict("That time was just booked by someone else.", field="start")

    monkeypatch.setattr(api_bookings.booking_service, "book_asset", conflict_on_a_dead_connection)
    client = pg.test_client()
    response = _book(client, spot["tokens"][spot["member"]], spot["asset"], at(5, 9), at(5, 12))
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["detail"] == "That time was just booked by someone else."
    monkeypatch.undo()
    assert _book(client, spot["tokens"][spot["member"]], spot["asset"], at(5, 9), at(5, 12)).status_code == 201


def test_an_error_page_keeps_its_status_when_the_connection_dies_before_the_rollback(pg, session, spot,
                                                                                     monkeypatch):
    import app.web.bookings as web_bookings
    from fleet.core.errors import NotFound
    from fleet.models import Member
    from tests.security.conftest import act_as

    client = pg.test_client()
    act_as(client, session.get(Member, spot["member"]))
    session.close()

    def not_found_on_a_dead_connection(sess, *args, **kwargs):
        _terminate(sess.execute(text("SELECT pg_backend_pid()")).scalar())
        raise NotFound("No such booking.")

    monkeypatch.setattr(web_bookings.booking_service, "get_booking", not_found_on_a_dead_connection)
    response = client.get("/bookings/12345")
    assert response.status_code == 404, response.get_data(as_text=True)[:500]
    assert b"No such booking." in response.data and b"<html" in response.data  # the page, with its layout


def test_the_end_of_a_request_survives_a_connection_that_died_after_the_answer(pg, session):
    """Every request ends with the session closed (Flask-SQLAlchemy's teardown), which rolls back an open read
    transaction; on a connection that died after the view's last statement that rollback fails, and it used to
    turn the finished answer into a 500."""
    from app.extensions import db

    _terminate(db.session.execute(text("SELECT pg_backend_pid()")).scalar())  # a read transaction stays open
    db.session.remove()  # what the teardown does
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # and the next request gets a live connection


def test_a_commit_whose_answer_was_lost_after_it_committed_answers_201(pg, session, spot, lose_commit):
    client = pg.test_client()
    token = spot["tokens"][spot["member"]]
    lose_commit(after=True)
    response = _book(client, token, spot["asset"], at(6, 9), at(6, 12), key="lost-answer-1")
    assert response.status_code == 201, response.get_data(as_text=True)
    booking_id = response.get_json()["id"]
    assert response.headers["Location"].endswith(f"/bookings/{booking_id}")
    assert session.get(Booking, booking_id).status == BookingStatus.confirmed
    assert _count(session) == 1
    # the same key gives the same booking back, and makes no second one
    again = _book(client, token, spot["asset"], at(6, 9), at(6, 12), key="lost-answer-1")
    assert again.status_code == 201 and again.get_json()["id"] == booking_id
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _count(session) == 1


def test_a_commit_lost_before_it_reached_the_server_answers_503_and_a_retry_books(pg, session, spot, lose_commit):
    client = pg.test_client()
    token = spot["tokens"][spot["member"]]
    lose_commit(after=False)
    response = _book(client, token, spot["asset"], at(7, 9), at(7, 12), key="lost-commit-1")
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] and "briefly unavailable" in response.get_json()["detail"]
    assert _count(session) == 0  # nothing saved, as the answer says
    retry = _book(client, token, spot["asset"], at(7, 9), at(7, 12), key="lost-commit-1")
    assert retry.status_code == 201 and retry.headers.get("Idempotent-Replayed") is None
    assert _count(session) == 1


def test_a_lost_commit_that_cannot_be_checked_says_the_outcome_is_unknown(pg, session, spot, lose_commit):
    """Revoking a token inserts no row whose presence would tell: the client is told it may have happened."""
    from fleet.members.tokens import issue_token
    from fleet.models import ApiToken, Member

    member = session.get(Member, spot["member"])
    record = issue_token(session, member, "spare", utcnow())[1]
    session.commit()
    token_id = record.id
    session.close()
    client = pg.test_client()
    lose_commit(after=True)
    response = client.delete(f"/api/v1/tokens/{token_id}",
                             headers={"Authorization": f"Bearer {spot['tokens'][spot['member']]}"})
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert "not known whether this request took effect" in body["detail"] and "Idempotency-Key" in body["detail"]
    assert response.headers["Retry-After"]
    assert session.get(ApiToken, token_id).revoked_at is not None  # it did happen, as it may have


def test_a_deadlock_victim_is_run_again_and_succeeds(pg, session, spot, make, monkeypatch):
    """A real deadlock: the request locks asset A then B, another transaction B then A. PostgreSQL aborts the
    request (its deadlock_timeout is the shorter); the request runs again and books."""
    import app.api.bookings as api_bookings
    from app.extensions import db

    other_asset = make.asset(make.category(), make.hub()).id
    session.commit()
    a, b = spot["asset"], other_asset
    url = db.engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")
    original = api_bookings.booking_service.book_asset
    calls, holding_b, errors = [], threading.Event(), []

    def other_transaction(a_locked: threading.Event):
        try:
            with psycopg.connect(url) as conn:
                conn.execute("SET deadlock_timeout = '10s'")
                conn.execute("SELECT 1 FROM asset WHERE id = %s FOR UPDATE", (b,))
                a_locked.wait(10)
                holding_b.set()
                conn.execute("SELECT 1 FROM asset WHERE id = %s FOR UPDATE", (a,))  # waits for the request
                conn.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    a_locked = threading.Event()
    thread = threading.Thread(target=other_transaction, args=(a_locked,))

    def book_in_a_deadlock(sess, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            sess.execute(text("SET LOCAL deadlock_timeout = '100ms'"))
            sess.execute(text("SELECT 1 FROM asset WHERE id = :id FOR UPDATE"), {"id": a})
            a_locked.set()
            holding_b.wait(10)
            sess.execute(text("SELECT 1 FROM asset WHERE id = :id FOR UPDATE"), {"id": b})  # the cycle
        return original(sess, *args, **kwargs)

    monkeypatch.setattr(api_bookings.booking_service, "book_asset", book_in_a_deadlock)
    thread.start()
    try:
        response = _book(pg.test_client(), spot["tokens"][spot["member"]], a, at(9, 9), at(9, 12))
    finally:
        a_locked.set()
        thread.join(20)
    assert not errors, errors
    assert len(calls) == 2  # the first run was the deadlock's victim
    assert response.status_code == 201, response.get_data(as_text=True)
    assert _count(session) == 1
