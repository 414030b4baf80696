"""One `flask bookings tick` at a time across every machine: a PostgreSQL advisory lock, held on a connection of its
own for the tick's duration. A tick that finds it taken does nothing (the running one does the work), so the
tick timer may be enabled on more than one machine without two ticks releasing the same no-shows or sending the
same mail at once. On SQLite (one machine by nature) there is nothing to take."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

# Any constant unlikely to be used by another application sharing the database: "cp-tick" in ASCII.
TICK_LOCK_KEY = 0x63702D7469636B


@contextmanager
def one_tick_at_a_time(engine: Engine) -> Iterator[bool]:
    """Yields True when this tick holds the lock (or the database has none to take), False when another has it."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    # autocommit: the connection waits outside any transaction, so idle_in_transaction_session_timeout never ends it
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        mine = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": TICK_LOCK_KEY}))
        try:
            yield mine
        finally:
            if mine:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TICK_LOCK_KEY})
