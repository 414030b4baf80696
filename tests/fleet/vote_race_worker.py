"""One racer in the vote race test: many votes by the same few members on one proposal, in its own sessions.

Lives in its own module so that a spawned process (PostgreSQL race) can import it.
"""
from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from fleet.core.errors import DomainError
from fleet.core.sqlite import configure_sqlite_engine
from fleet.governance.votes import cast_vote
from fleet.models import Member


def race_votes(url: str, proposal_id: int, member_ids: list[int], seed: int, n: int, now: datetime,
               engine=None) -> dict[str, int]:
    own_engine = engine is None
    if own_engine:
        engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        configure_sqlite_engine(engine)
    rng = random.Random(seed)
    outcome = {"success": 0, "refused": 0, "other": 0}
    try:
        for _ in range(n):
            with Session(engine) as session:
                member = session.get(Member, rng.choice(member_ids))
                try:
                    cast_vote(session, member, proposal_id, rng.choice(["yes", "no", "abstain"]), "", now)
                    session.commit()
                    outcome["success"] += 1
                except DomainError:
                    session.rollback()
                    outcome["refused"] += 1
                except Exception:  # noqa: BLE001 - the test asserts this stays zero
                    session.rollback()
                    outcome["other"] += 1
    finally:
        if own_engine:
            engine.dispose()
    return outcome
