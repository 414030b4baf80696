"""One racer in the double-booking test: many booking attempts on a few assets, in its own session.

Lives in its own module so that a spawned process (PostgreSQL race) can import it.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from fleet.booking.bookings import book_asset
from fleet.core.errors import Conflict
from fleet.models import Member
from fleet.core.sqlite import configure_sqlite_engine


def attempts(seed: int, n: int, asset_ids: list[int], base: datetime, now: datetime) -> list[tuple[int, int, int]]:
    """The attempts of one racer: (asset, start offset in hours, duration in hours), all crowded together
    in a one-day band so that most of them overlap someone else's."""
    rng = random.Random(seed)
    return [(rng.choice(asset_ids), rng.randrange(0, 24), rng.randrange(1, 4)) for _ in range(n)]


def race(url: str, member_id: int, seed: int, n: int, asset_ids: list[int], base: datetime, now: datetime,
         engine=None) -> dict[str, int]:
    """Run n attempts; every one must end in a success or a Conflict. Anything else is counted as 'other'."""
    own_engine = engine is None
    if own_engine:
        engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        configure_sqlite_engine(engine)
    outcome = {"success": 0, "conflict": 0, "other": 0}
    try:
        for asset_id, offset, hours in attempts(seed, n, asset_ids, base, now):
            with Session(engine) as session:
                member = session.get(Member, member_id)
                start = base + timedelta(hours=offset)
                try:
                    book_asset(session, member, asset_id, start, start + timedelta(hours=hours), now)
                    session.commit()
                    outcome["success"] += 1
                except Conflict:
                    session.rollback()
                    outcome["conflict"] += 1
                except Exception:  # noqa: BLE001 - the test asserts this stays zero
                    session.rollback()
                    outcome["other"] += 1
    finally:
        if own_engine:
            engine.dispose()
    return outcome
