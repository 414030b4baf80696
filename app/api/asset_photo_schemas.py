"""JSON Schemas and OpenAPI paths for an asset's catalogue photos (coordinators and the asset's owner add and remove them)."""
from __future__ import annotations

from app.api.handover_schemas import PHOTO
from app.api.schemas import MAX_ID

REF = "#/components/schemas/"
ASSET_PHOTO_REQUEST = {"type": "object", "additionalProperties": False, "required": ["photo_base64"],
                       "properties": {"photo_base64": PHOTO,
                                      "alt_text": {"type": "string", "maxLength": 200,
                                                   "description": "What the photo shows, for people who cannot see it"}}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}


def asset_photo_paths(_op, _json) -> dict:
    def path_id(name):
        return {"name": name, "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}

    return {
        "/assets/{asset_id}/photos": {"post": _op(
            "addAssetPhoto", "Add a catalogue photo to an asset (coordinators, and the member who lends it as their own item; "
            "anyone else gets 403). It is checked and re-encoded like "
            "a damage photo; at most 12 per asset. Send an Idempotency-Key header to make retries safe.",
            _json({"$ref": REF + "AssetPhoto"}, "Created"), params=[path_id("asset_id"), _IDEMPOTENCY],
            body=ASSET_PHOTO_REQUEST, status="201")},
        "/assets/{asset_id}/photos/{photo_id}": {"delete": _op(
            "deleteAssetPhoto", "Remove a catalogue photo (coordinators, and the member who lends the asset as their own item; anyone "
            "else gets 403)", {"description": "Removed"},
            params=[path_id("asset_id"), path_id("photo_id")], status="204")},
    }
