"""The periodic federation work: fetch the partners' catalogues that are due (each partner in its own
transaction, so one slow or broken partner does not hold back the others' results), release at the partner
the remote bookings that failed, and forget old nonces. Run by `flask bookings tick`, `flask federation fetch`
and each RQ worker between jobs (app/workers.py)."""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.db import utcnow
from fleet.federation.partner_bookings import forget_old_nonces
from fleet.federation.remote_bookings import installation_signer, release_failed
from fleet.federation.subscription import due_partners, fetch_partner
from fleet.models import Partner, PartnerStatus

log = logging.getLogger(__name__)


def run_federation_jobs(app: Flask, force: bool = False) -> dict[str, int]:
    from app.extensions import db

    timeout = float(app.config.get("FEDERATION_HTTP_TIMEOUT", 10))
    window = int(app.config.get("FEDERATION_SIGNATURE_WINDOW", 300))
    fetched = failed = 0
    with app.app_context():
        with Session(db.engine) as session:
            now = utcnow()
            if force:
                ids = list(session.scalars(select(Partner.id).where(Partner.status == PartnerStatus.active)))
            else:
                ids = [p.id for p in due_partners(session, now)]
            session.rollback()
            for partner_id in ids:
                outcome = fetch_partner(session, session.get(Partner, partner_id), utcnow(), timeout)
                session.commit()
                fetched, failed = fetched + outcome.ok, failed + (not outcome.ok)
                if not outcome.ok:
                    log.warning("fetching partner %s failed: %s", partner_id, outcome.error)
            released = release_failed(session, installation_signer(session, utcnow()), utcnow(), timeout)
            forgotten = forget_old_nonces(session, utcnow(), window)
            session.commit()
    return {"partners_fetched": fetched, "partner_fetches_failed": failed, "remote_bookings_released": released,
            "nonces_forgotten": forgotten}
