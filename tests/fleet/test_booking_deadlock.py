"""Two bookings racing for the same time can deadlock inside PostgreSQL's exclusion constraint check: each
transaction has added its index entry and waits for the other's. PostgreSQL aborts one of them ("deadlock
detected"); that member lost a race for a time, so they get the same refusal as any overlap, not a 503.

The deadlock is made certain here: two sessions each book one asset, then each books the other's asset at an
overlapping time, so each waits for the other.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from fleet.booking.bookings import book_asset
from fleet.core.errors import Conflict
from fleet.models import HOLDING_STATUSES, Booking, Member
from tests.helpers import at


def test_a_deadlock_between_two_bookings_is_a_conflict(app, session, make):
    from app.extensions import db

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN IMMEDIATE, so bookings there queue and cannot deadlock")
    hub = make.hub(opening_hours="24/7")
    category = make.category(min_duration_minutes=60, max_duration_minutes=600)
    first, second = make.asset(category, hub), make.asset(category, hub)
    members = [make.member(), make.member()]
    ids = [first.id, second.id], [m.id for m in members]
    session.commit()
    session.close()
    engine = db.engine  # the threads have no app context of their own
    start, now = at(3, 10), at(0, 0)
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = ["did not finish"] * 2

    def racer(k: int) -> None:
        own, other = ids[0][k], ids[0][1 - k]
        with Session(engine) as s:
            member = s.get(Member, ids[1][k])
            book_asset(s, member, own, start, start + timedelta(hours=2), now)
            barrier.wait()  # both hold a booking the other is about to overlap
            try:
                book_asset(s, member, other, start + timedelta(hours=1), start + timedelta(hours=3), now)
                s.commit()
                outcomes[k] = "booked both"
            except Conflict:
                # the refused one keeps its first booking, as a member would after a 409 on their second
                s.commit()
                outcomes[k] = "conflict"
            except Exception as exc:  # noqa: BLE001 - the test asserts there is none
                s.rollback()
                outcomes[k] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=racer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # One is aborted by the deadlock (a Conflict); the other's check then sees the first one's committed
    # booking (a Conflict too). Neither is an outage, and no asset holds two overlapping bookings.
    assert outcomes == ["conflict", "conflict"], outcomes
    session.expire_all()
    held = session.query(Booking).filter(Booking.status.in_(HOLDING_STATUSES)).all()
    assert sorted(b.asset_id for b in held) == sorted(ids[0])
