"""POST /tokens (email + password -> bearer token), and a member's own token list and revocation."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import actor
from app.api.input import json_body
from app.api.schemas import TOKEN_REQUEST
from app.api.serialise import rfc3339
from app.auth import authenticate
from app.extensions import db
from fleet.core.db import utcnow
from fleet.core.errors import DomainError
from fleet.members.tokens import issue_token, list_tokens, revoke_token


def _token_json(record, token: str | None = None) -> dict:
    body = {"id": record.id, "name": record.name, "prefix": record.prefix, "created_at": rfc3339(record.created_at),
            "last_used_at": rfc3339(record.last_used_at), "revoked_at": rfc3339(record.revoked_at),
            "expires_at": rfc3339(record.expires_at)}
    if token is not None:
        body["token"] = token
    return body


@bp.post("/tokens")
def create_token():
    data = json_body(TOKEN_REQUEST)
    try:
        member = authenticate(data["email"], data["password"])
    except DomainError as exc:
        if exc.status == 422:
            exc.status = 401  # wrong credentials are an authentication failure
        raise exc
    now = utcnow()
    token, record = issue_token(db.session, member, data.get("name", ""), now,
                                expires_in_days=data.get("expires_in_days"))
    return jsonify(_token_json(record, token)), 201


@bp.get("/tokens")
def my_tokens():
    return jsonify({"items": [_token_json(t) for t in list_tokens(db.session, actor())]})


@bp.delete("/tokens/<id:token_id>")
def delete_token(token_id: int):
    revoke_token(db.session, actor(), token_id, utcnow())
    return "", 204
