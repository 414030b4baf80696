"""The periodic governance work (close the proposals whose period ended, remind members who have not voted),
in its own transaction: run by `flask bookings tick` and by each RQ worker between jobs. Idempotent."""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.orm import Session

from fleet.core.db import utcnow
from fleet.governance.closing import close_due, remind_due

log = logging.getLogger(__name__)


def run_governance_jobs(app: Flask) -> dict[str, int]:
    from app.extensions import db

    with app.app_context():
        with Session(db.engine) as session:
            now = utcnow()
            closed = [(p.id, p.status.value) for p in close_due(session, now)]
            reminded = remind_due(session, now)
            session.commit()
    for proposal_id, status in closed:
        log.info("proposal %s closed: %s", proposal_id, status)
    return {"decisions_closed": len(closed), "vote_reminders": reminded}
