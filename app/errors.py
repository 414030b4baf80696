"""Error pages. Domain errors that reach here become their status with the domain message; database
errors never reach the client."""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, DisconnectionError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, SecurityError

from app.extensions import db
from app.i18n import translate_message
from app.sessions import CommitOutcomeUnknown
from app.transaction import refused
from fleet.core.errors import DomainError

UNTRUSTED_HOST = "Bad request: this host name is not served here."
UNAVAILABLE = "The database is briefly unavailable. Please try again in a moment."
OUTCOME_UNKNOWN = ("The connection to the database was lost while saving, so it is not known whether this request "
                   "took effect.")
RETRY_WITH_KEY = (" Send it again with the same Idempotency-Key: if it took effect, the first answer comes back; if "
                  "not, it is done now.")
RETRY_WITHOUT_KEY = (" Check before sending it again, or send it with an Idempotency-Key, which makes sending it "
                     "again safe.")


def init_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        answer = refused(exc)
        if answer is not None:
            return answer
        from app.api.errors import is_api_request
        from app.api.problems import problem

        if is_api_request():  # raised before a route under /api/v1 matched (a refused query string)
            return problem(exc.status, exc.message, exc.field)
        return render_template("error.html", status=exc.status, message=translate_message(exc)), exc.status

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        # e.g. an id beyond the integer range in a URL: the object cannot exist
        db.session.rollback()
        return render_template("error.html", status=404, message="Not found."), 404

    @app.errorhandler(CommitOutcomeUnknown)
    def _outcome_unknown(exc: CommitOutcomeUnknown):
        # Never a guess (app/sessions.py): the client is told that it may have happened, and how to find out.
        from app.api.errors import is_api_request
        from app.api.problems import problem

        db.session.remove()
        g.pop("_login_user", None)  # loaded in the discarded session: Flask-Login loads it again for the page
        headers = {"Retry-After": "1"}
        if is_api_request():
            keyed = request.headers.get("Idempotency-Key") is not None
            return problem(503, OUTCOME_UNKNOWN + (RETRY_WITH_KEY if keyed else RETRY_WITHOUT_KEY), headers=headers)
        message = _("The connection to the database was lost while saving, so we cannot tell whether your change "
                    "was saved. Please check before trying again.")
        try:
            return render_template("error.html", status=503, message=message), 503, headers
        except Exception:  # noqa: BLE001  (the page layout asks the database who is logged in)
            return app.response_class(message + "\n", status=503, mimetype="text/plain", headers=headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(DisconnectionError)
    def _unavailable(exc: Exception):
        # A lost connection, a lock wait past lock_timeout, a database restart: the transaction is gone. Say so
        # briefly, never the driver's message; pool_pre_ping gives the next request a live connection.
        from app.api.errors import is_api_request
        from app.api.problems import problem

        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        app.logger.warning("database unavailable: %s: %s %s", exc.__class__.__name__, cause[0][:200] if cause else "",
                           request.path)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection may be dead; the session is discarded anyway)
            pass
        db.session.remove()
        headers = {"Retry-After": "1"}
        if is_api_request():
            return problem(503, UNAVAILABLE, headers=headers)
        try:
            return render_template("error.html", status=503, message=UNAVAILABLE), 503, headers
        except Exception:  # noqa: BLE001  (the page layout asks the database who is logged in)
            return app.response_class(UNAVAILABLE + "\n", status=503, mimetype="text/plain", headers=headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        from app.api.errors import is_api_request
        from app.api.problems import problem

        if isinstance(exc, SecurityError):
            # A Host outside TRUSTED_HOSTS: no URL can be built for it, so answer without the page layout (whose
            # links would need one) and without repeating the forged name.
            if is_api_request():
                return problem(400, UNTRUSTED_HOST)
            return app.response_class(UNTRUSTED_HOST + "\n", status=400, mimetype="text/plain")
        if is_api_request():  # unknown paths under /api/v1 answer in the API's own error format
            return problem(exc.code or 500, exc.description or "Error.")
        if isinstance(exc, RequestEntityTooLarge):
            from flask import request

            from app.uploads import too_large_photo_form

            page = too_large_photo_form(exc, request)
            if page is not None:
                return page
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

