"""The session class behind `db.session`: what it does when the database connection dies under it.

A rollback (or the close at the end of a request) on a dead connection has nothing left to undo (the server
ended the transaction with the connection), so it is not an error: the session drops the connection and the
next statement gets a live one.

A COMMIT whose connection dies before the server's answer arrives may or may not have happened. Answering
"failed" when it did (or "done" when it did not) would lie to the client, so the commit finds out: once the
old server process is gone (its transaction then has either committed or rolled back for good), it looks, on
a fresh connection, for one of the rows the transaction inserted. Found: the commit happened and returns
normally. Not found: it raises the connection error (nothing was saved; the request answers 503, retry).
When it cannot tell (nothing was inserted, or the server is unreachable) it raises `CommitOutcomeUnknown`.
"""
from __future__ import annotations

import logging
import time

import flask_sqlalchemy.session
from sqlalchemy import and_, event, inspect, literal, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached

log = logging.getLogger(__name__)

# How long to wait for the server process of a lost connection to end before looking for its rows.
SETTLE_SECONDS = 5.0
# SQLSTATE classes that mean "the connection is gone", not "the server refused": connection exceptions and
# operator intervention (pg_terminate_backend, a shutdown).
_LOST_SQLSTATE_PREFIXES = ("08", "57P")


class CommitOutcomeUnknown(Exception):
    """The connection was lost during COMMIT and whether the transaction committed cannot be told."""


def connection_lost(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate is not None and sqlstate.startswith(_LOST_SQLSTATE_PREFIXES)


class Session(flask_sqlalchemy.session.Session):
    # how many transactions this session committed; the request boundary retries a request only before any
    info_commits_key = "commits"

    def rollback(self) -> None:
        try:
            super().rollback()
        except DBAPIError as exc:
            if not connection_lost(exc):
                raise
            # SQLAlchemy has invalidated the connection and expired the objects: they load again, on a new
            # connection, when next used.
            log.warning("rollback on a lost database connection: %s", type(exc.orig).__name__)

    def close(self) -> None:
        # Run at the end of every request (Flask-SQLAlchemy's teardown): after the answer is made, a connection
        # that died since its last statement must not turn that answer into a 500.
        try:
            super().close()
        except DBAPIError as exc:
            if not connection_lost(exc):
                raise
            log.warning("closing on a lost database connection: %s", type(exc.orig).__name__)
            self.invalidate()

    def commit(self) -> None:
        if not self.in_transaction() or self.get_bind().dialect.name != "postgresql":
            super().commit()
            self._count_commit()
            return
        self.flush()  # a failed flush is an ordinary error: nothing was sent to COMMIT yet
        backend_pid = _backend_pid(self)
        inserted = self._inserted_objects()
        try:
            super().commit()
        except DBAPIError as exc:
            if not connection_lost(exc):
                raise
            committed = _find_out(self.get_bind(), backend_pid, inserted)
            log.warning("connection lost during COMMIT (%s): the transaction %s", type(exc.orig).__name__,
                        {True: "committed", False: "did not commit", None: "may or may not have committed"}
                        [committed])
            if committed is None:
                self.rollback()
                raise CommitOutcomeUnknown() from exc
            if not committed:
                raise
            self._settle_as_committed(inserted)
        self._count_commit()

    def _count_commit(self) -> None:
        self.info[self.info_commits_key] = self.info.get(self.info_commits_key, 0) + 1

    def _inserted_objects(self) -> list:
        """The objects this transaction inserted and still holds (a rolled-back savepoint's are transient again)."""
        return [obj for obj in self.info.get(_INSERTED, []) if inspect(obj).persistent]

    def _settle_as_committed(self, inserted: list) -> None:
        """Leave the session as a successful commit would: listeners told (photo files kept, mail sent), the
        dead transaction discarded, and the inserted objects persistent again, loading from the database."""
        self.dispatch.after_commit(self)
        self.rollback()
        for obj in inserted:
            if inspect(obj).transient:
                make_transient_to_detached(obj)
                self.add(obj)


# The objects each transaction inserted, held strongly until it ends: the session itself only keeps weak
# references to clean objects, and the view that made them has returned by the time the request commits.
_INSERTED = "inserted_in_transaction"


@event.listens_for(Session, "pending_to_persistent", propagate=True)
def _note_insert(session: Session, instance) -> None:
    session.info.setdefault(_INSERTED, []).append(instance)


@event.listens_for(Session, "after_transaction_end", propagate=True)
def _forget_inserts(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_INSERTED, None)


def _backend_pid(session: Session) -> int | None:
    try:
        raw = session.connection().connection.dbapi_connection
    except DBAPIError:
        return None
    info = getattr(raw, "info", None)  # psycopg 3
    return getattr(info, "backend_pid", None)


def _find_out(engine: Engine, backend_pid: int | None, inserted: list) -> bool | None:
    """True when the lost transaction committed, False when it did not, None when that cannot be told."""
    try:
        with engine.connect() as conn:
            gone = False
            if backend_pid is not None:
                deadline = time.monotonic() + SETTLE_SECONDS
                while True:
                    alive = conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": backend_pid}).first()
                    conn.rollback()  # pg_stat_activity is a snapshot per transaction
                    if alive is None:
                        gone = True
                        break
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
            for obj in inserted[:1]:
                mapper = inspect(obj).mapper
                key = mapper.primary_key_from_instance(obj)
                if any(value is None for value in key):
                    continue
                found = conn.execute(select(literal(1)).select_from(mapper.primary_key[0].table).where(
                    and_(*(column == value for column, value in zip(mapper.primary_key, key))))).first()
                if found is not None:
                    return True
                return False if gone else None
    except DBAPIError:
        log.warning("could not find out whether a lost COMMIT happened", exc_info=True)
    return None
