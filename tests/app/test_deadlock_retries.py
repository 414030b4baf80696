"""The request transaction is run again when the database gives it up in a deadlock or a serialisation failure
(app/transaction.py): a bounded number of times, and never once the request has committed something."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import Booking
from tests.helpers import at


def _refused(error_class):
    return OperationalError("INSERT INTO booking ...", {}, error_class("the server gave this transaction up"))


@pytest.fixture
def booker(app, session, make, monkeypatch):
    import app.api.bookings as api_bookings

    member = make.member()
    asset = make.asset(make.category(min_duration_minutes=30), make.hub(opening_hours="24/7"))
    token = issue_token(session, member, "t", utcnow())[0]
    session.commit()
    original = api_bookings.booking_service.book_asset
    calls = []

    def book(failures: list, commit_first: bool = False):
        def book_asset(sess, *args, **kwargs):
            calls.append(1)
            if commit_first:
                sess.commit()
            if failures:
                raise _refused(failures.pop(0))
            return original(sess, *args, **kwargs)

        monkeypatch.setattr(api_bookings.booking_service, "book_asset", book_asset)
        return app.test_client().post("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"},
                                      json={"asset_id": asset.id, "start": at(2, 9).isoformat(),
                                            "end": at(2, 11).isoformat()})

    return book, calls


def _bookings(session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(Booking))


def test_a_deadlock_victim_runs_again_and_books(session, booker):
    book, calls = booker
    response = book([psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure])
    assert response.status_code == 201, response.get_data(as_text=True)
    assert len(calls) == 3
    assert _bookings(session) == 1


def test_retries_are_bounded_then_the_answer_is_503(app, session, booker):
    book, calls = booker
    response = book([psycopg.errors.DeadlockDetected] * 10)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert len(calls) == 1 + app.config.get("DB_TRANSACTION_RETRIES", 3)
    assert _bookings(session) == 0


def test_other_database_errors_are_not_retried(session, booker):
    book, calls = booker
    response = book([psycopg.errors.LockNotAvailable])  # lock_timeout: the wait itself was the problem
    assert response.status_code == 503
    assert len(calls) == 1


def test_a_request_that_committed_is_not_run_again(session, booker):
    book, calls = booker
    response = book([psycopg.errors.DeadlockDetected], commit_first=True)
    assert response.status_code == 503
    assert len(calls) == 1


def test_a_deadlock_at_commit_runs_the_request_again(session, booker, monkeypatch):
    """The request's changes are committed inside the retry: a transaction given up at COMMIT runs again too."""
    from app.sessions import Session

    book, calls = booker
    real_commit, refusals = Session.commit, []

    def commit(self):
        if not refusals and any(isinstance(obj, Booking) for obj in self._inserted_objects()):
            refusals.append(1)
            raise _refused(psycopg.errors.SerializationFailure)
        return real_commit(self)

    monkeypatch.setattr(Session, "commit", commit)
    response = book([])
    assert response.status_code == 201, response.get_data(as_text=True)
    assert refusals == [1] and len(calls) == 2
    assert _bookings(session) == 1
