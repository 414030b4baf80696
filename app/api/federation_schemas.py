"""The published shapes of the federation endpoints of the API (partners, remote bookings) and their
operations for the OpenAPI document. The server-to-server endpoints (/.well-known/commonpool-federation,
/federation/v1/*) are signed, not token-authenticated, and are described in docs/architecture.md."""
from __future__ import annotations

_MAX = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_REF = "#/components/schemas/"
_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}

PARTNER_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["name", "base_url", "key_id", "public_key"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "base_url": {"type": "string", "minLength": 1, "maxLength": 300,
                     "description": "The partner's address, http(s)://host[:port][/path]"},
        "key_id": {"type": "string", "minLength": 1, "maxLength": 64},
        "public_key": {"type": "string", "minLength": 1, "maxLength": 64,
                       "description": "Ed25519, the 32 raw bytes in base64 (from the partner's well-known document)"},
    },
}
REMOTE_BOOKING_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["remote_item_id", "start", "end"],
    "properties": {"remote_item_id": ID, "start": {**_TIME, "description": "RFC 3339 with an offset"},
                   "end": {**_TIME, "description": "RFC 3339 with an offset"}},
}
REMOTE_BOOKING_STATUSES = ["pending", "waiting", "confirmed", "refused", "failed", "cancelled"]

FEDERATION_RESPONSES = {
    "RemoteItem": {"type": "object",
                   "required": ["remote", "remote_item_id", "partner", "name", "category", "location_name",
                                "distance_km"],
                   "properties": {
                       "remote": {"const": True}, "remote_item_id": ID, "partner": {"type": "string"},
                       "name": {"type": "string"}, "category": {"type": "string"}, "description": {"type": "string"},
                       "url": {"type": "string"}, "location_name": {"type": "string"},
                       "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
                       "distance_km": {"type": ["number", "null"]}}},
    "Partner": {"type": "object",
                "required": ["id", "name", "base_url", "key_id", "status", "created_at", "revoked_at",
                             "last_success_at", "last_error", "failures", "next_attempt_at", "remote_items"],
                "properties": {
                    "id": ID, "name": {"type": "string"}, "base_url": {"type": "string"},
                    "key_id": {"type": "string"}, "status": {"type": "string", "enum": ["active", "revoked"]},
                    "created_at": _TIME, "revoked_at": _TIME_OR_NULL, "last_success_at": _TIME_OR_NULL,
                    "last_error": {"type": "string"}, "failures": {"type": "integer", "minimum": 0},
                    "next_attempt_at": _TIME_OR_NULL, "remote_items": {"type": "integer", "minimum": 0}}},
    "RemoteBooking": {"type": "object",
                      "required": ["id", "partner", "remote_item_id", "item_name", "start", "end", "status",
                                   "partner_booking_id", "message", "created_at"],
                      "properties": {
                          "id": ID, "partner": {"type": "string"}, "remote_item_id": {"type": "string"},
                          "item_name": {"type": "string"}, "start": _TIME, "end": _TIME,
                          "status": {"type": "string", "enum": REMOTE_BOOKING_STATUSES},
                          "partner_booking_id": {"type": ["string", "null"]}, "message": {"type": "string"},
                          "created_at": _TIME}},
}


def federation_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    partner = {"$ref": _REF + "Partner"}
    remote = {"$ref": _REF + "RemoteBooking"}

    def items_of(schema: dict) -> dict:
        return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}

    unreachable = {"description": "The partner could not be reached: nothing was booked (or nothing changed)",
                   "content": {"application/problem+json": {"schema": {"$ref": _REF + "Problem"}}}}
    create = op("createRemoteBooking", "Book a partner's item (a remote item of the search). The partner decides: "
                "the answer is confirmed, waiting (for the partner's approval) or refused; 503 when the partner "
                "cannot be reached (nothing is booked). Send an Idempotency-Key header to make retries safe.",
                json(remote, "Created"), body=REMOTE_BOOKING_REQUEST, status="201", params=[_IDEMPOTENCY])
    create["responses"]["503"] = unreachable
    cancel = op("cancelRemoteBooking", "Cancel a booking at a partner (at the partner first; 503 when it cannot "
                "be reached, and the booking stands)", json(remote), params=[path_id("remote_booking_id")])
    cancel["responses"]["503"] = unreachable
    return {
        "/partners": {
            "get": op("listPartners", "The partner installations (coordinators)", json(items_of(partner))),
            "post": op("createPartner", "Register a partner installation: the agreement (coordinators). Its key "
                       "comes from its /.well-known/commonpool-federation document.", json(partner, "Created"),
                       body=PARTNER_REQUEST, status="201"),
        },
        "/partners/{partner_id}": {"get": op("getPartner", "One partner installation (coordinators)", json(partner),
                                             params=[path_id("partner_id")])},
        "/partners/{partner_id}/revoke": {"post": op(
            "revokePartner", "End the agreement: its requests are refused and its items leave the search",
            json(partner), params=[path_id("partner_id")])},
        "/remote-bookings": {
            "get": op("listRemoteBookings", "The caller's bookings at partner installations", json(items_of(remote))),
            "post": create,
        },
        "/remote-bookings/{remote_booking_id}/cancel": {"post": cancel},
    }
