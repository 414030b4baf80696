"""One vote per member per proposal under concurrency: threads on SQLite, processes on PostgreSQL.

Eight racers cast 40 votes each for the same three members on one proposal, so most votes of a member race
another of theirs. Afterwards each member has at most one vote row (the unique constraint), and every attempt
ended in a success. The figures are printed (run with -s to see them).
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from fleet.governance.proposals import open_proposal
from fleet.models import Vote
from tests.fleet.vote_race_worker import race_votes
from tests.helpers import at

RACERS = 8
ATTEMPTS = 40

pytestmark = pytest.mark.slow


@pytest.fixture
def ballot(app, session, make):
    members = [make.member() for _ in range(3)]
    proposal = open_proposal(session, members[0], at(0, 9), kind="free_text", title="Race")
    ids = dict(proposal=proposal.id, members=[m.id for m in members])
    session.commit()
    session.close()  # on SQLite an open transaction would hold the write lock the racers need
    return dict(url=app.config["SQLALCHEMY_DATABASE_URI"], now=at(0, 10), **ids)


def double_votes(session) -> int:
    per_member = select(Vote.proposal_id, Vote.member_id, func.count().label("n")) \
        .group_by(Vote.proposal_id, Vote.member_id).subquery()
    return int(session.scalar(select(func.coalesce(func.sum(per_member.c.n - 1), 0))))


def check(outcomes, session, label):
    total = {k: sum(o[k] for o in outcomes) for k in ("success", "refused", "other")}
    total["double_votes"] = double_votes(session)
    total["rows"] = session.scalar(select(func.count()).select_from(Vote))
    print(f"\n[vote race {label}] {total}")
    assert total["other"] == 0 and total["refused"] == 0
    assert total["success"] == RACERS * ATTEMPTS
    assert total["double_votes"] == 0 and total["rows"] == 3


def test_threads_never_double_vote(app, session, ballot):
    from app.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the thread race is the SQLite variant; PostgreSQL races processes below")
    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = [f.result() for f in [pool.submit(race_votes, ballot["url"], ballot["proposal"],
                                                     ballot["members"], i, ATTEMPTS, ballot["now"], db.engine)
                                         for i in range(RACERS)]]
    session.expire_all()
    check(outcomes, session, "sqlite threads")


def test_processes_never_double_vote(app, session, ballot):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("the process race runs on PostgreSQL (make test runs it there)")
    ctx = multiprocessing.get_context("spawn")
    args = [(ballot["url"], ballot["proposal"], ballot["members"], i, ATTEMPTS, ballot["now"])
            for i in range(RACERS)]
    with ctx.Pool(RACERS) as pool:
        outcomes = pool.starmap(race_votes, args)
    session.expire_all()
    check(outcomes, session, "postgresql processes")
