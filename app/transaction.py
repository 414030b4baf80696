"""The request's transaction: views never commit; the request commits once, here.

A view reads, calls fleet services (which only flush) and answers. When its answer is a success (status below
400) the request's changes are committed, once, after the view and before the response leaves; an error answer
rolls them back. A DomainError is rolled back before its answer is rendered, since that page reads the
database and must not see the refused changes: the DomainError handlers (app/errors.py for pages,
app/api/errors.py for problem+json) call `refused()`, and render the error page unless the view chose another
answer with `on_refusal()`, typically the form again with what the user typed and the error beside its field.

Work that must wait until the changes are committed (handing a run to a background job that opens its own
session) is given to `after_commit()`. CLI commands and background jobs have no request: they commit themselves.

A deadlock (SQLSTATE 40P01) or a serialisation failure (40001) says nothing about the request: PostgreSQL rolled
its transaction back so that a concurrent one could finish, and the same request run again normally succeeds.
`TransactionalFlask.dispatch_request` (the view and the commit of a success) runs again after a rollback, a few
times with a short random pause, as long as this request has committed nothing yet (the login check, say,
commits before its view).
What a lost connection does to the answer is settled in the session itself (app/sessions.py).
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from flask import Flask, current_app, flash, g, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.i18n import translate_message
from app.sessions import Session
from fleet.core.errors import DomainError

log = logging.getLogger(__name__)

RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
DEFAULT_RETRIES = 3
BACKOFF_SECONDS = 0.05  # the first pause is up to this, doubling each time


@dataclass
class _Refusal:
    respond: Callable[[DomainError], ResponseReturnValue]
    unless: Collection[int]


@dataclass
class _RequestTransaction:
    refused: bool = False
    on_refusal: _Refusal | None = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)


def _current() -> _RequestTransaction:
    # On `g`, which a test shares between requests made inside one app context: the teardown clears it.
    if "request_transaction" not in g:
        g.request_transaction = _RequestTransaction()
    return g.request_transaction


def on_refusal(respond: Callable[[DomainError], ResponseReturnValue], *, unless: Collection[int] = (404,)) -> None:
    """Answer a DomainError raised from here on with `respond(exc)` instead of the error page; by then the
    refused changes are rolled back. Statuses in `unless` keep the error page: by default an unknown object is
    the not-found page rather than a form error."""
    _current().on_refusal = _Refusal(respond, tuple(unless))


def flash_on_refusal(target: str, *, unless: Collection[int] = (404,)) -> None:
    """Answer a refusal by flashing its message and going to `target`, the page the action was taken from."""

    def respond(exc: DomainError):
        flash(translate_message(exc), "error")
        return redirect(target)

    on_refusal(respond, unless=unless)


def after_commit(callback: Callable[[], None]) -> None:
    """Call `callback()` once the request's changes are committed; never when they are rolled back."""
    _current().after_commit.append(callback)


def refused(exc: DomainError) -> ResponseReturnValue | None:
    """For the DomainError handlers: roll the request back now, then the answer the view chose with
    `on_refusal()`, or None for the handler's own error page."""
    state = _current()
    state.refused = True
    state.after_commit.clear()
    db.session.rollback()
    chosen, state.on_refusal = state.on_refusal, None
    if chosen is None or exc.status in chosen.unless:
        return None
    try:
        return chosen.respond(exc)
    except DomainError as failure:  # the chosen page cannot be shown either (say its object is gone)
        return current_app.handle_user_exception(failure)


def init_transaction(app: Flask) -> None:
    """Register the boundary. Flask runs after_request hooks in reverse order of registration: register this
    after the security headers' hook, so that the answer to a failed commit gets those headers too."""

    @app.after_request
    def _commit_or_roll_back(response):
        state = _current()
        if state.refused or response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - answered as if the view had raised it: its handler, or a 500
            return current_app.make_response(current_app.handle_user_exception(exc))
        for callback in state.after_commit:
            callback()
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        g.pop("request_transaction", None)


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


class TransactionalFlask(Flask):
    def dispatch_request(self):
        retries = int(self.config.get("DB_TRANSACTION_RETRIES", DEFAULT_RETRIES))
        attempt = 0
        while True:
            commits = db.session.info.get(Session.info_commits_key, 0)
            try:
                response = self.make_response(super().dispatch_request())
                if response.status_code < 400:
                    # Committed here rather than only after the request, so that a deadlock or a serialisation
                    # failure at COMMIT runs the request again too; `_commit_or_roll_back` then finds nothing
                    # left to commit and runs the after-commit work.
                    db.session.commit()
                return response
            except DBAPIError as exc:
                if (not retryable(exc) or attempt >= retries
                        or db.session.info.get(Session.info_commits_key, 0) != commits):
                    raise
                attempt += 1
                log.warning("%s %s: %s (SQLSTATE %s), running it again (%s of %s)", request.method, request.path,
                            type(exc.orig).__name__, exc.orig.sqlstate, attempt, retries)
                try:
                    db.session.rollback()
                except Exception:  # noqa: BLE001 - the session cannot start over: answer with the first error
                    raise exc from None
                g.pop("request_transaction", None)  # the view registers its refusal answer and hand-overs again
                _rewind_uploads()
                time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** (attempt - 1)))


def _rewind_uploads() -> None:
    """The view reads uploaded files again from the start (form and JSON bodies are cached by the request)."""
    if request.mimetype != "multipart/form-data":
        return
    for upload in request.files.values():
        try:
            upload.stream.seek(0)
        except (AttributeError, OSError, ValueError):
            pass
