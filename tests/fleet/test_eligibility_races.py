"""Fair-use limits under concurrency: racers booking for the same member, on different assets of a category
with a limit of one at once, never leave that member holding two overlapping bookings. Threads on SQLite (BEGIN
IMMEDIATE serialises them), processes on PostgreSQL (a direct booking locks the member's row)."""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from fleet.booking.eligibility_rules import set_category_rules
from fleet.models import HOLDING_STATUSES, Booking, Role
from tests.fleet.race_worker import race
from tests.helpers import at

RACERS = 6
ATTEMPTS = 20

pytestmark = [pytest.mark.slow, pytest.mark.db]


def overlapping_pairs_of_one_member(session) -> int:
    a, b = aliased(Booking), aliased(Booking)
    return session.scalar(select(func.count()).select_from(a).join(b, and_(
        a.member_id == b.member_id, a.id < b.id,
        a.status.in_(HOLDING_STATUSES), b.status.in_(HOLDING_STATUSES),
        a.start_at < b.end_at, b.start_at < a.end_at,
    )))


@pytest.fixture
def arena(app, session, make):
    hub = make.hub(opening_hours="24/7")
    bikes = make.category(min_duration_minutes=60, max_duration_minutes=600)
    assets = [make.asset(bikes, hub) for _ in range(RACERS)]
    set_category_rules(session, make.member(Role.coordinator), bikes.id, [], 1, None, None)
    member = make.member()
    ids = dict(assets=[a.id for a in assets], member=member.id)
    session.commit()
    session.close()  # on SQLite an open transaction would hold the write lock the racers need
    return dict(url=app.config["SQLALCHEMY_DATABASE_URI"], base=at(3, 8), now=at(0, 0), **ids)


def check(outcomes, session, label):
    session.expire_all()
    total = {k: sum(o[k] for o in outcomes) for k in ("success", "conflict", "other")}
    total["overlaps"] = overlapping_pairs_of_one_member(session)
    print(f"\n[limit race {label}] {total}")
    assert total["other"] == 0
    assert total["success"] > 0 and total["conflict"] > 0
    assert total["overlaps"] == 0


def test_threads_never_pass_the_limit(app, session, arena):
    from app.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the thread race is the SQLite variant; PostgreSQL races processes below")
    with ThreadPoolExecutor(RACERS) as pool:
        # each racer books its own asset: only the member's limit can make two of them collide
        futures = [pool.submit(race, arena["url"], arena["member"], i, ATTEMPTS, [arena["assets"][i]],
                               arena["base"], arena["now"], db.engine) for i in range(RACERS)]
        outcomes = [f.result() for f in futures]
    check(outcomes, session, "sqlite threads")


def test_processes_never_pass_the_limit(app, session, arena):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the process race runs on PostgreSQL")
    ctx = multiprocessing.get_context("spawn")
    args = [(arena["url"], arena["member"], i, ATTEMPTS, [arena["assets"][i]], arena["base"], arena["now"])
            for i in range(RACERS)]
    with ctx.Pool(RACERS) as pool:
        outcomes = pool.starmap(race, args)
    check(outcomes, session, "postgresql processes")
