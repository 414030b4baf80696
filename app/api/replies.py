"""Answers shared by the API's modules: a POST that honours an Idempotency-Key, and a page of a list."""
from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, request

from app.api import serialise as out
from app.api.auth import actor
from app.api.input import page_args
from app.extensions import db
from fleet.core.db import utcnow
from fleet.members.idempotency import claim_key, fingerprint, remember_response


def posted(status: int, make: Callable[[], dict]) -> Response:
    """Answer a POST with `make()`'s body; with an Idempotency-Key, a retry gets the first answer and changes
    nothing (the key is claimed in the same transaction as the change)."""
    key = request.headers.get("Idempotency-Key")
    claim = None
    if key is not None:
        claim = claim_key(db.session, actor(), key, fingerprint("POST", request.path, request.get_data()), utcnow())
        if claim.replay:
            return Response(claim.record.response_body, status=claim.record.status_code,
                            mimetype="application/json", headers={"Idempotent-Replayed": "true"})
    body = json.dumps(make())
    if claim is not None:
        remember_response(db.session, claim, status, body)
    return Response(body, status=status, mimetype="application/json")


def paged(items: list, serialise) -> Response:
    """One page (`page`, `per_page`) of a list that is already in order."""
    page, per_page = page_args()
    chunk = items[(page - 1) * per_page: page * per_page]
    return out.page([serialise(i) for i in chunk], page, per_page, len(items))
