"""Creating a booking through the API: few statements, one commit, the notification in the outbox of the same
transaction, and no mail sent from the web worker (the worker or `flask bookings tick` sends it)."""
from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

from sqlalchemy import event, select

from fleet.models import Booking, Notification
from tests.helpers import at

# token, key claim, asset, who may book it (the category's limits and whether it needs a qualification, one
# statement), the member's pools (may they book in the asset's pool), the overlap checks with whether a member owns
# the asset (one statement), booking, its tariff, notification, key's answer (+ BEGIN on SQLite)
MAX_STATEMENTS = 11


@contextmanager
def counted(engine):
    seen = {"statements": [], "commits": 0}

    def statement(_conn, _cursor, text, *_args):
        seen["statements"].append(text.lstrip().split(None, 1)[0].upper())

    def commit(_conn):
        seen["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _z(instant) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def test_a_create_is_one_commit_and_few_statements(api, make, session, app, people, monkeypatch):
    from app.extensions import db

    asset = make.asset()
    session.commit()
    assert api.get("/hubs").status_code == 200  # the token's last use is recorded once, before
    started: list[str] = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name))
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "background")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    body = {"asset_id": asset.id, "start": _z(at(2, 9)), "end": _z(at(2, 11))}
    session.expunge_all()  # as in a real request, nothing is loaded yet
    with counted(db.engine) as seen:
        r = api.post("/bookings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.get_json()
    assert seen["commits"] == 1
    assert len(seen["statements"]) <= MAX_STATEMENTS, seen["statements"]
    assert not [s for s in seen["statements"] if s == "SAVEPOINT"]
    assert started == []  # no mail thread in the web worker
    booking = session.scalar(select(Booking).where(Booking.id == r.get_json()["id"]))
    note = session.scalar(select(Notification).where(Notification.booking_id == booking.id))
    assert note is not None and note.email_status == "pending"  # waiting for the worker or the tick


def test_the_tick_sends_what_a_create_left_in_the_outbox(api, make, session, app, monkeypatch):
    from app.jobs import run_booking_jobs

    asset = make.asset()
    session.commit()
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "background")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    sent: list[tuple[str, str]] = []
    monkeypatch.setitem(app.extensions, "mail_sender", lambda to, subject, body: sent.append((to, subject)))
    r = api.post("/bookings", json={"asset_id": asset.id, "start": _z(at(3, 9)), "end": _z(at(3, 11))},
                 headers={"Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201
    assert sent == []
    run_booking_jobs(app)
    assert sent == [("member@example.org", "Commonpool: booking confirmed")]


def test_a_replayed_create_answers_the_same_without_booking_again(api, make, session):
    asset = make.asset()
    session.commit()
    key = uuid.uuid4().hex
    body = {"asset_id": asset.id, "start": _z(at(4, 9)), "end": _z(at(4, 11))}
    first, again = (api.post("/bookings", json=body, headers={"Idempotency-Key": key}) for _ in range(2))
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == first.get_json()
    assert len(session.scalars(select(Booking).where(Booking.asset_id == asset.id)).all()) == 1


def test_a_taken_slot_is_refused_and_nothing_is_left(api, other_api, make, session):
    asset = make.asset()
    session.commit()
    body = {"asset_id": asset.id, "start": _z(at(5, 9)), "end": _z(at(5, 11))}
    assert api.post("/bookings", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}).status_code == 201
    key = uuid.uuid4().hex
    assert other_api.post("/bookings", json=body, headers={"Idempotency-Key": key}).status_code == 409
    assert len(session.scalars(select(Notification)).all()) == 1
