"""An asset's catalogue photos through the API: coordinators, and the member who lends the asset as their own
item, add (base64 in JSON, idempotent) and remove them; the asset's own JSON lists them with their addresses.
Who may is checked before the body is read, so a refused caller learns nothing from a body's validation."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Response, current_app, request

from app.api import bp
from app.api.asset_photo_schemas import ASSET_PHOTO_REQUEST
from app.api.auth import actor
from app.api.handover import _photo
from app.api.input import json_body
from app.api.serialise import asset_photo
from app.extensions import db
from fleet.booking import asset_photos
from fleet.core.db import utcnow
from fleet.members.idempotency import claim_key, fingerprint, remember_response


@bp.post("/assets/<id:asset_id>/photos")
def add_asset_photo(asset_id: int):
    asset_photos.check_may_change_photos(db.session, actor(), asset_id)
    key = request.headers.get("Idempotency-Key")
    claim = None
    if key is not None:
        claim = claim_key(db.session, actor(), key, fingerprint("POST", request.path, request.get_data()), utcnow())
        if claim.replay:
            return Response(claim.record.response_body, status=claim.record.status_code,
                            mimetype="application/json", headers={"Idempotent-Replayed": "true"})
    data = json_body(ASSET_PHOTO_REQUEST)
    photo = asset_photos.add_asset_photo(
        db.session, actor(), asset_id, _photo(data), photo_dir=Path(current_app.config["PHOTO_DIR"]),
        max_bytes=current_app.config["PHOTO_MAX_BYTES"], now=utcnow(), alt_text=data.get("alt_text", ""))
    body = json.dumps(asset_photo(photo))
    if claim is not None:
        remember_response(db.session, claim, 201, body)
    return Response(body, status=201, mimetype="application/json")


@bp.delete("/assets/<id:asset_id>/photos/<id:photo_id>")
def delete_asset_photo(asset_id: int, photo_id: int):
    asset_photos.delete_asset_photo(db.session, actor(), asset_id, photo_id)
    return "", 204
