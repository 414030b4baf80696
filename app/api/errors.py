"""Every error under /api/v1 becomes application/problem+json; database errors never leak."""
from __future__ import annotations

from flask import request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.api import bp
from app.api.problems import problem
from app.extensions import db
from app.transaction import refused
from fleet.core.errors import DomainError


@bp.errorhandler(DomainError)
def _domain(exc: DomainError):
    answer = refused(exc)
    if answer is not None:
        return answer
    retry_after = getattr(exc, "retry_after", None)  # a throttled login says when to try again
    return problem(exc.status, exc.message, exc.field,
                   headers={"Retry-After": str(retry_after)} if retry_after is not None else None)


@bp.errorhandler(DataError)
def _data(exc: DataError):
    db.session.rollback()
    return problem(404, "Not found.")


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    headers = {"Allow": exc.response.headers["Allow"]} if exc.response is not None and "Allow" in exc.response.headers \
        else ({"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None)
    return problem(exc.code or 500, exc.description or "Error.", headers=headers)


def is_api_request() -> bool:
    return request.path.startswith(bp.url_prefix + "/") or request.path == bp.url_prefix
