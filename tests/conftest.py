"""Test databases: SQLite by default, PostgreSQL when COMMONPOOL_TEST_DATABASE=postgres.

Each run creates its own database (a temporary SQLite file, or a fresh PostgreSQL database), builds the
schema with the real migrations, empties every table after each test and drops the database at the end.
Tests that use the database are marked `db` automatically; `make test` runs them again on PostgreSQL.
"""
from __future__ import annotations

import os
import uuid

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from tests.helpers import Maker, postgres_admin_url, postgres_available

BACKEND = os.environ.get("COMMONPOOL_TEST_DATABASE", "sqlite").lower()
DB_FIXTURES = {"app", "client", "session", "make", "database_url"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
    # The live fault suite (tests/faults/test_fault_suite.py) runs only when asked for: `make test-faults`
    # (pytest -m faults). The ordinary runs (`pytest`, `pytest -m db`) leave it out.
    if "faults" not in (config.getoption("markexpr") or ""):
        kept = [item for item in items if item.get_closest_marker("faults") is None]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
            items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    if BACKEND != "postgres":
        raise RuntimeError(f"unknown COMMONPOOL_TEST_DATABASE={BACKEND!r}")
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required in CI but does not answer on 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not running here; `make test` runs these tests on SQLite")
    import psycopg

    name = f"commonpool_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FreshUserClient(FlaskClient):
    """Requests made while a test holds an app context share that context (and its `g`); Flask-Login caches
    the user in `g`, so forget it before each request, as a real request with its own context would."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    from flask_migrate import upgrade

    from app import create_app

    application = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 1000,
    })
    application.test_client_class = FreshUserClient
    with application.app_context():
        upgrade()
    yield application
    from app.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    """The app's scoped session inside an app context; every table is emptied afterwards."""
    from app.extensions import db
    from fleet.models import metadata

    ctx = app.app_context()
    ctx.push()
    yield db.session
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    ctx.pop()


@pytest.fixture
def make(session):
    return Maker(session)


@pytest.fixture
def client(app, session):
    return app.test_client()
