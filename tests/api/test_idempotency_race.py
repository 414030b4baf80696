"""The same Idempotency-Key raced by two processes, 100 keys each: exactly 100 bookings, identical answers."""
from __future__ import annotations

import json
import multiprocessing
import time

import pytest
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.models import Booking, IdempotencyKey
from fleet.members.tokens import issue_token
from tests.api.idempotency_worker import send_all
from tests.helpers import at

pytestmark = pytest.mark.slow
KEYS = 100


def test_two_processes_same_keys_make_each_booking_once(app, make, session):
    hub = make.hub(opening_hours="24/7")
    category = make.category(min_duration_minutes=30, max_duration_minutes=120)
    asset = make.asset(category, hub)
    member = make.member()
    token, _ = issue_token(session, member, "race", utcnow())
    ids = (asset.id,)
    session.commit()
    session.close()  # no transaction of ours may hold SQLite's write lock during the race

    args = (app.config["SQLALCHEMY_DATABASE_URI"], token, ids[0], at(2, 0).isoformat(), KEYS, time.time() + 4)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        first, second = pool.starmap(send_all, [args, args])

    assert [status for status, _, _ in first] == [201] * KEYS
    assert [status for status, _, _ in second] == [201] * KEYS
    for (_, a, replay_a), (_, b, replay_b) in zip(first, second):
        assert json.loads(a) == json.loads(b)  # the replay is the first response
        assert replay_a != replay_b  # exactly one of the two created it
    assert session.scalar(select(func.count()).select_from(Booking)) == KEYS
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == KEYS
    won = sum(not replayed for _, _, replayed in first)
    print(f"\n[idempotency race] 2 processes x {KEYS} keyed requests -> "
          f"{session.scalar(select(func.count()).select_from(Booking))} bookings; "
          f"process 1 created {won}, process 2 created {KEYS - won}")
