"""How a background job runs one optimiser run or fleet plan: in an app context of its own, committing each
progress step, recording any failure on the run; and the known RQ job id of a run."""
from __future__ import annotations

import logging

from flask import Flask

log = logging.getLogger(__name__)


def job_id(kind: str, run_id: int) -> str:
    """The RQ job of a run has a known id, so that whether it still exists can be asked."""
    return f"commonpool-{kind}-run-{run_id}"


def run_job(what: str, run_id: int, app: Flask | None, database_url: str | None, execute, fail) -> None:
    """Run `execute(session, run_id, now, progress=...)`, committing each progress step; any failure is
    recorded on the run with `fail(session, run_id, error, now)` and never lost. In an RQ worker `app` is None
    and a new app is made from the environment (`database_url` overrides DATABASE_URL, for tests)."""
    from app.extensions import db
    from fleet.core.db import utcnow

    if app is None:
        from app import create_app

        app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": database_url} if database_url else None)
    with app.app_context():
        try:
            execute(db.session, run_id, utcnow(), progress=lambda _message: db.session.commit())
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - the run must end in a recorded state, whatever happened
            log.exception("%s %s failed", what, run_id)
            db.session.rollback()
            fail(db.session, run_id, f"{type(exc).__name__}: {exc}", utcnow())
            db.session.commit()
        finally:
            db.session.remove()
