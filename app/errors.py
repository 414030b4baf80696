"""Error pages. Domain errors that reach here become their status with the domain message; database
errors never reach the client."""
from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from fleet.errors import DomainError


def init_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        # e.g. an id beyond the integer range in a URL: the object cannot exist
        db.session.rollback()
        return render_template("error.html", status=404, message="Not found."), 404

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        from app.api.errors import is_api_request
        from app.api.problems import problem

        if is_api_request():  # unknown paths under /api/v1 answer in the API's own error format
            return problem(exc.code or 500, exc.description or "Error.")
        return render_template("error.html", status=exc.code, message=exc.description), exc.code
