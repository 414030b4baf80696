"""Subprocess workers for the fault tests: each builds the real app on the test database and misbehaves.

    python -m tests.faults.fault_worker hold URL MEMBER_ID ASSET_ID START END
        opens a transaction, inserts a booking through the service, prints READY and waits (to be SIGKILLed
        or SIGSTOPped) without committing.
    python -m tests.faults.fault_worker crash-after-commit URL TOKEN BODY KEY
        POSTs a booking with an Idempotency-Key and dies (os._exit) after the commit, before any response.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime


def _app(url: str):
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                                  "DB_LOCK_TIMEOUT_MS": 1000, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 2000})


def hold(url: str, member_id: str, asset_id: str, start: str, end: str) -> None:
    from app.extensions import db
    from fleet.booking import bookings
    from fleet.models import Member

    app = _app(url)
    with app.app_context():
        member = db.session.get(Member, int(member_id))
        now = datetime.fromisoformat(start).replace(hour=0, minute=0)
        booking = bookings.book_asset(db.session, member, int(asset_id), datetime.fromisoformat(start),
                                      datetime.fromisoformat(end), min(now, datetime.fromisoformat(start)))
        print(f"READY {booking.id}", flush=True)
        time.sleep(120)  # never commits


def crash_after_commit(url: str, token: str, body: str, key: str) -> None:
    from flask import request_finished

    def die(*args, **kwargs):
        os._exit(137)  # the process is gone between the commit and the response

    app = _app(url)
    request_finished.connect(die, app)  # sent once the request's transaction has ended, before the answer leaves
    client = app.test_client()
    client.post("/api/v1/bookings", data=body, content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
    os._exit(3)  # not reached when the patch fired


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"hold": hold, "crash-after-commit": crash_after_commit}[command](*args)
