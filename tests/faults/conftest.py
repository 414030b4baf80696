"""Fixtures of the fault tests: PostgreSQL only (SQLite has no server whose connections could be killed)."""
from __future__ import annotations

import pytest

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token


@pytest.fixture
def pg(app, session):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("fault injection needs PostgreSQL (COMMONPOOL_TEST_DATABASE=postgres); SQLite has no "
                    "server to kill connections on")
    return app


@pytest.fixture
def spot(pg, session, make):
    member, other = make.member(), make.member()
    asset = make.asset(make.category(min_duration_minutes=30), make.hub(opening_hours="24/7"))
    tokens = {m.id: issue_token(session, m, "t", utcnow())[0] for m in (member, other)}
    session.commit()
    ids = dict(member=member.id, other=other.id, asset=asset.id, tokens=tokens)
    session.close()
    return ids
