"""Faults on PostgreSQL: a worker killed or frozen mid-transaction, a connection terminated mid-request, a
crash between commit and response. What must hold: no partial booking, nobody blocked for long, a clean 503,
and a retry with the same Idempotency-Key returns the booking that was committed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from fleet.models import Booking
from tests.helpers import at

ROOT = Path(__file__).resolve().parents[2]


def _worker(*args) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.faults.fault_worker", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(proc) -> int:
    line = proc.stdout.readline()
    assert line.startswith("READY"), (line, proc.stderr.read() if proc.poll() is not None else "")
    return int(line.split()[1])


def _book(client, token, asset_id, start, end, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/bookings", headers=headers,
                       json={"asset_id": asset_id, "start": start.isoformat(), "end": end.isoformat()})


def _bookings(session) -> int:
    count = session.scalar(select(func.count()).select_from(Booking))
    session.rollback()
    return count


def test_killed_worker_leaves_nothing_and_blocks_no_one(pg, session, spot):
    start, end = at(3, 9), at(3, 12)
    proc = _worker("hold", pg.config["SQLALCHEMY_DATABASE_URI"], spot["member"], spot["asset"], start.isoformat(),
                   end.isoformat())
    try:
        _wait_ready(proc)  # its insert holds the slot (and the exclusion constraint's lock), uncommitted
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _bookings(session) == 0  # nothing partial survived
    client = pg.test_client()
    began = time.monotonic()
    response = _book(client, spot["tokens"][spot["other"]], spot["asset"], start, end)
    elapsed = time.monotonic() - began
    assert response.status_code == 201, response.get_json()
    assert elapsed < 5
    assert _bookings(session) == 1


def test_frozen_worker_is_cut_off_by_the_idle_timeout(pg, session, spot):
    """A worker that hangs inside a transaction (SIGSTOP) holds its locks until PostgreSQL's
    idle_in_transaction_session_timeout (2 s in the worker) ends its session; meanwhile others wait at most
    lock_timeout and get a clean answer, never a hang."""
    start, end = at(4, 9), at(4, 12)
    proc = _worker("hold", pg.config["SQLALCHEMY_DATABASE_URI"], spot["member"], spot["asset"], start.isoformat(),
                   end.isoformat())
    try:
        _wait_ready(proc)
        os.kill(proc.pid, signal.SIGSTOP)
        client = pg.test_client()
        began = time.monotonic()
        deadline = began + 20
        statuses = []
        while time.monotonic() < deadline:
            response = _book(client, spot["tokens"][spot["other"]], spot["asset"], start, end)
            statuses.append(response.status_code)
            if response.status_code == 201:
                break
            assert response.status_code in (409, 503), response.get_data(as_text=True)
            time.sleep(0.2)
        elapsed = time.monotonic() - began
        assert statuses[-1] == 201, statuses
        assert elapsed < 15, (elapsed, statuses)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        os.kill(proc.pid, signal.SIGCONT)
        proc.wait(10)
    assert _bookings(session) == 1


def test_lock_timeout_and_idle_timeout_are_set_on_connections(pg, session):
    from app.extensions import db

    with db.engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "5s"
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "30s"


def test_terminated_connection_gives_a_clean_503_then_recovers(pg, session, spot, monkeypatch):
    import psycopg

    import app.api.bookings as api_bookings
    from app.extensions import db
    from fleet.booking import bookings as booking_service
    from tests.helpers import postgres_admin_url

    original = booking_service.book_asset

    def book_after_losing_the_connection(sess, *args, **kwargs):
        pid = sess.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return original(sess, *args, **kwargs)

    monkeypatch.setattr(api_bookings.booking_service, "book_asset", book_after_losing_the_connection)
    client = pg.test_client()
    token = spot["tokens"][spot["member"]]
    response = _book(client, token, spot["asset"], at(5, 9), at(5, 12))
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and "terminat" not in body["detail"].lower() and "psycopg" not in json.dumps(body)
    assert response.headers["Retry-After"]
    monkeypatch.setattr(api_bookings.booking_service, "book_asset", original)
    # the next request gets a live connection (pool_pre_ping) and works
    response = _book(client, token, spot["asset"], at(5, 9), at(5, 12))
    assert response.status_code == 201
    db.session.remove()
    assert _bookings(session) == 1


def test_terminated_connection_on_a_web_page_gives_503(pg, session, spot, monkeypatch):
    import psycopg

    import app.web.bookings as web_bookings
    from tests.helpers import postgres_admin_url
    from tests.security.conftest import act_as
    from fleet.models import Member

    original = web_bookings.booking_service.member_bookings

    def lose_connection(sess, *args, **kwargs):
        pid = sess.execute(text("SELECT pg_backend_pid()")).scalar()
        with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return original(sess, *args, **kwargs)

    client = pg.test_client()
    act_as(client, session.get(Member, spot["member"]))
    session.close()
    monkeypatch.setattr(web_bookings.booking_service, "member_bookings", lose_connection)
    response = client.get("/bookings")
    assert response.status_code == 503 and b"briefly unavailable" in response.data
    monkeypatch.setattr(web_bookings.booking_service, "member_bookings", original)
    assert client.get("/bookings").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_retry_after_crash_between_commit_and_response(pg, session, spot):
    token = spot["tokens"][spot["member"]]
    body = json.dumps({"asset_id": spot["asset"], "start": at(6, 9).isoformat(), "end": at(6, 12).isoformat()})
    proc = _worker("crash-after-commit", pg.config["SQLALCHEMY_DATABASE_URI"], token, body, "retry-key-1")
    proc.wait(60)
    assert proc.returncode == 137, proc.stderr.read()[-2000:]
    assert _bookings(session) == 1  # committed, but the client never heard
    client = pg.test_client()
    response = client.post("/api/v1/bookings", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-key-1"})
    assert response.status_code == 201
    assert response.headers.get("Idempotent-Replayed") == "true"
    stored = session.scalar(select(Booking))
    assert response.get_json()["id"] == stored.id
    assert _bookings(session) == 1
