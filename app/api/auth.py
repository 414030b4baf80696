"""Bearer-token authentication. The session cookie is never consulted here."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from app.api import bp
from app.api.problems import problem
from app.extensions import db
from fleet.core.db import utcnow
from fleet.members.tokens import authenticate_token

PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi_document"}


@bp.before_request
def _refuse_unknown_query_parameters():
    """Like unknown body fields, an unknown query parameter is a client mistake worth saying (422)."""
    from app.api.openapi import query_parameters

    if request.url_rule is None:
        return None
    allowed = query_parameters(request.url_rule.rule, request.method)
    for name in request.args:
        if name not in allowed and not (allowed.get("cap_*") and name.startswith("cap_")):
            return problem(422, f"Unknown query parameter {name!r}.", field=name)
    return None


@bp.before_request
def _authenticate():
    g.api_member = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return problem(401, "Send an API token: 'Authorization: Bearer <token>'.",
                       headers={"WWW-Authenticate": 'Bearer realm="commonpool"'})
    check = authenticate_token(db.session, token.strip(), utcnow())
    member = check.member
    if member is None:
        return problem(401, "This token is unknown, revoked, expired, or its member is deactivated.",
                       headers={"WWW-Authenticate": 'Bearer realm="commonpool", error="invalid_token"'})
    # The token's last use (written at most once a minute, so a read normally writes nothing) is kept whatever
    # the request's own outcome (app/transaction.py commits or rolls back the request's changes).
    if check.touched:
        db.session.commit()
    g.api_member = member
    return None


def actor():
    return g.api_member


def coordinator_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.api_member.is_coordinator:
            return problem(403, "Only coordinators can do that.")
        return view(*args, **kwargs)
    return wrapper
