"""No double booking under concurrency: threads on SQLite, processes on PostgreSQL.

Each racer makes 50 attempts on 3 assets inside a one-day band, so most attempts collide. Afterwards no two
holding bookings of one asset may overlap, and every attempt must have ended in a success or a clear conflict.
The figures are printed (run with -s to see them).
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fleet.models import HOLDING_STATUSES, Booking
from tests.fleet.race_worker import race
from tests.helpers import at

RACERS = 8
ATTEMPTS = 50

pytestmark = pytest.mark.slow


def overlapping_pairs(session) -> int:
    a, b = aliased(Booking), aliased(Booking)
    return session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.asset_id == b.asset_id, a.id < b.id,
        a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
        a.start_at < b.end_at, b.start_at < a.end_at,
    )))


@pytest.fixture
def arena(app, session, make):
    hub = make.hub(opening_hours="24/7")
    category = make.category(min_duration_minutes=60, max_duration_minutes=600)
    assets = [make.asset(category, hub) for _ in range(3)]
    members = [make.member() for _ in range(RACERS)]
    ids = dict(assets=[a.id for a in assets], members=[m.id for m in members])
    session.commit()
    # End the test's own transaction: on SQLite an open one would hold the write lock the racers need.
    session.close()
    return dict(url=app.config["SQLALCHEMY_DATABASE_URI"], base=at(3, 8), now=at(0, 0), **ids)


def summarise(outcomes: list[dict[str, int]], session, label: str) -> dict[str, int]:
    total = {k: sum(o[k] for o in outcomes) for k in ("success", "conflict", "other")}
    total["attempts"] = RACERS * ATTEMPTS
    total["overlaps"] = overlapping_pairs(session)
    total["stored"] = session.scalar(select(func.count()).select_from(Booking))
    print(f"\n[race {label}] {total}")
    return total


def test_threads_never_double_book(app, session, arena):
    from app.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the thread race is the SQLite variant; PostgreSQL races processes below")
    with ThreadPoolExecutor(RACERS) as pool:
        futures = [pool.submit(race, arena["url"], arena["members"][i], i, ATTEMPTS, arena["assets"],
                               arena["base"], arena["now"], db.engine) for i in range(RACERS)]
        outcomes = [f.result() for f in futures]
    session.expire_all()
    total = summarise(outcomes, session, "sqlite threads")
    assert total["other"] == 0
    assert total["success"] + total["conflict"] == total["attempts"]
    assert total["stored"] == total["success"] > 0
    assert total["conflict"] > 0, "the race must actually collide to prove anything"
    assert total["overlaps"] == 0


def test_processes_never_double_book(app, session, arena):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the process race runs on PostgreSQL (make test runs it there)")
    ctx = multiprocessing.get_context("spawn")
    args = [(arena["url"], arena["members"][i], i, ATTEMPTS, arena["assets"], arena["base"], arena["now"])
            for i in range(RACERS)]
    with ctx.Pool(RACERS) as pool:
        outcomes = pool.starmap(race, args)
    session.expire_all()
    total = summarise(outcomes, session, "postgresql processes")
    assert total["other"] == 0
    assert total["success"] + total["conflict"] == total["attempts"]
    assert total["stored"] == total["success"] > 0
    assert total["conflict"] > 0
    assert total["overlaps"] == 0
