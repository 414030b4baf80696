"""SQLite settings that make it safe for concurrent bookings.

pysqlite by default opens transactions lazily with a deferred BEGIN, so two writers can both read "free"
and then both insert. Following SQLAlchemy's documented recipe we take over transaction control and start
every transaction with BEGIN IMMEDIATE: the write lock is taken before the availability check, so checks
and inserts are serialised. The busy timeout makes the second writer wait instead of failing.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000


def configure_sqlite_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def enable_wal(engine: Engine) -> None:
    """WAL lets readers go on while one writer writes. It is a property of the file: set it once."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    # Outside any transaction (SQLite refuses to switch modes inside one), on the raw DB-API connection.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()
    finally:
        raw.close()
