"""`flask bookings tick` runs one at a time across machines (app/tick_lock.py): on PostgreSQL a tick that finds
another holding the lock does nothing; on SQLite there is nothing to take."""
from __future__ import annotations

from sqlalchemy import text

from app.tick_lock import TICK_LOCK_KEY
from tests.conftest import BACKEND


def _tick(app) -> str:
    return app.test_cli_runner().invoke(args=["bookings", "tick"]).output


def test_a_tick_runs_when_no_other_does(app, session):
    session.close()
    assert "no_shows" in _tick(app)


def test_a_tick_does_nothing_while_another_holds_the_lock(app, session):
    """The other tick is a connection of its own, as another machine's would be."""
    from app.extensions import db

    session.close()
    if BACKEND != "postgres":
        assert "no_shows" in _tick(app)  # SQLite: one machine, no lock to take
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        assert other.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": TICK_LOCK_KEY})
        assert "Another tick is running" in _tick(app)
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": TICK_LOCK_KEY})
    assert "no_shows" in _tick(app)
