"""The session the read-only views read through: a read replica when DATABASE_REPLICA_URL is set, else the
primary's `db.session`.

Only views that read and never write use it: the dashboards (the pool page, the coordinators' dashboard, a
member's share and their CSVs, `GET /api/v1/stats/*`), the open book (`/pool/costs`, `GET /api/v1/costs`) and
the public feeds (GBFS, the iCalendar feeds, the decisions' Atom feed). Everything else, every write and the
login check of those same requests, goes to the primary. A replica lags its primary by a moment: these pages
show figures and feeds that are polled, where a second's delay is harmless.

A replica that cannot be reached when a request first reads from it is not an error for the reader: the
request reads from the primary instead (logged), and the replica is left alone for DATABASE_REPLICA_RETRY_SECONDS
before it is tried again, so a dead replica costs one failed connect per process and period, not one per
request. A replica connection lost in the middle of a read answers 503 with Retry-After like any lost database
connection (app/errors.py).
"""
from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app, g
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

EXTENSION = "commonpool_read_replica"
# Connecting to a replica that is down must not hold a reader long: the primary answers instead.
CONNECT_TIMEOUT_SECONDS = 3


class ReadReplica:
    """The replica's engine and when it may next be tried after a failed connect."""

    def __init__(self, engine: Engine, retry_seconds: float):
        self.engine = engine
        self.retry_seconds = retry_seconds
        self._down_until = 0.0
        self._lock = threading.Lock()

    def open_session(self) -> Session | None:
        """A session on the replica with a live connection, or None when it cannot be reached now."""
        if time.monotonic() < self._down_until:
            return None
        session = Session(self.engine)
        try:
            session.connection()  # connects now (pool_pre_ping checks a pooled connection), not mid-page
        except DBAPIError as exc:
            session.close()
            with self._lock:
                self._down_until = time.monotonic() + self.retry_seconds
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            log.warning("read replica unreachable, reading from the primary for %.0f s: %s", self.retry_seconds,
                        cause[0][:200] if cause else type(exc).__name__)
            return None
        return session


def replica_engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # read only at the session level too: a replica URL that names the primary by mistake cannot be written to
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                   "options": "-c default_transaction_read_only=on"}
    return options


def init_read_replica(app: Flask) -> None:
    """Bind the replica's engine when DATABASE_REPLICA_URL is set; close each request's replica session."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    engine = create_engine(url, **replica_engine_options(url))
    app.extensions[EXTENSION] = ReadReplica(engine, float(app.config.get("DATABASE_REPLICA_RETRY_SECONDS", 30)))

    @app.teardown_request  # per request: a test's requests may share one app context (and its `g`)
    def _close_read_session(_exc: BaseException | None) -> None:
        session = g.pop("read_session", None)
        if session is not None and session is not db.session:
            session.close()


def read_only_session():
    """The session this request's read-only view reads through (the same one for the whole request): the
    replica's, or the primary's `db.session` when there is no replica or it cannot be reached."""
    if "read_session" in g:
        return g.read_session
    replica: ReadReplica | None = current_app.extensions.get(EXTENSION)
    session = replica.open_session() if replica is not None else None
    g.read_session = session if session is not None else db.session
    return g.read_session


def dispose_read_replica(app: Flask) -> None:
    replica: ReadReplica | None = app.extensions.get(EXTENSION)
    if replica is not None:
        replica.engine.dispose()
