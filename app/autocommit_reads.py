"""Views that only read, marked `@reads_only`, run their statements in autocommit on PostgreSQL: no BEGIN and no
COMMIT, two round trips fewer for the busiest pages (the catalogue searches).

What they read does not change: at READ COMMITTED (PostgreSQL's default, and this application's) every statement
takes its own snapshot, inside a transaction or not, so the statements of one request saw different moments
before too. Such a view must not write: a write there would commit at once, not with the request. The one write
such a request may make before its view, the API token's last use (app/api/auth.py, at most once a minute per
token), is a single UPDATE committed whatever the view answers, so autocommit changes nothing for it; the request
reads on after that commit in an ordinary transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, request

from app.extensions import db

View = TypeVar("View", bound=Callable)
READ_METHODS = frozenset({"GET", "HEAD"})


def reads_only(view: View) -> View:
    """Mark a view that never writes, so that its GET and HEAD requests read in autocommit."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def init_autocommit_reads(app: Flask) -> None:
    """Register the switch; app-level, so that it runs before the blueprints' hooks (the API's token check)."""

    @app.before_request
    def _autocommit_when_reading():
        if request.method not in READ_METHODS:
            return
        view = app.view_functions.get(request.endpoint or "")
        if not getattr(view, "reads_only", False) or db.session().in_transaction():
            return
        if db.engine.dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
