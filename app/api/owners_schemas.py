"""The published shapes of the endpoints for members' own items (listing, availability windows and
exceptions, approvals, borrowings, withdrawal, the pool's bounds on owners' shares) and their operations for
the OpenAPI document (merged into schemas.RESPONSES and openapi.document's paths)."""
from __future__ import annotations

_MAX = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
DATETIME = {"type": "string", "format": "date-time", "description": "RFC 3339 with an offset"}
CAPABILITIES = {"type": "object", "maxProperties": 40, "additionalProperties": {"type": ["number", "boolean", "string"]},
                "description": "Values by capability name as declared by the category: number, bool or text"}
_REF = "#/components/schemas/"
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
_CLOCK = {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "description": "HH:MM local time"}
_PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}
APPROVAL_MODES = ["every_booking", "first_time", "none"]
EXCEPTION_KINDS = ["available", "unavailable", "owner_use"]
WINDOW = {"type": "object", "additionalProperties": False, "required": ["weekday", "start", "end"],
          "properties": {"weekday": {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 is Monday"},
                         "start": _CLOCK, "end": _CLOCK}}
WINDOWS = {"type": "array", "maxItems": 50, "items": WINDOW}

OWNED_ITEM_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["name", "category_id"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "description": {"type": "string", "maxLength": 4000},
        "category_id": ID, "type": {"type": "string", "maxLength": 80}, "capabilities": CAPABILITIES,
        "hub_id": {**ID, "description": "A pool hub where the item is kept; or give place"},
        "place": {"type": "object", "additionalProperties": False, "required": ["lat", "lon"],
                  "description": "Your own place, where borrowers pick it up",
                  "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                 "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
        "timezone": {"type": "string", "maxLength": 64, "description": "The windows' zone; default: the hub's"},
        "approval_mode": {"type": "string", "enum": APPROVAL_MODES},
        "owner_share_percent": {**_PERCENT, "description": "Your share of each charge, within the pool's bounds"},
        "meter_unit": {"type": ["string", "null"], "enum": ["km", "hours", None]},
        "windows": WINDOWS,
    },
}
TERMS_REQUEST = {"type": "object", "additionalProperties": False,
                 "properties": {"approval_mode": {"type": "string", "enum": APPROVAL_MODES},
                                "owner_share_percent": _PERCENT}}
WINDOWS_REQUEST = {"type": "object", "additionalProperties": False, "required": ["windows"],
                   "properties": {"windows": WINDOWS}}
EXCEPTION_REQUEST = {"type": "object", "additionalProperties": False, "required": ["kind", "start", "end"],
                     "properties": {"kind": {"type": "string", "enum": EXCEPTION_KINDS}, "start": DATETIME,
                                    "end": DATETIME, "note": {"type": "string", "maxLength": 300}}}
WITHDRAW_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["decisions"],
    "properties": {"decisions": {"type": "array", "maxItems": 1000, "items": {
        "type": "object", "additionalProperties": False, "required": ["booking_id", "decision"],
        "properties": {"booking_id": ID, "decision": {"type": "string", "enum": ["keep", "release"]}}}}},
}
DISPUTE_REQUEST = {"type": "object", "additionalProperties": False, "required": ["reason"],
                   "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}}
BOUNDS_REQUEST = {"type": "object", "additionalProperties": False, "required": ["min_percent", "max_percent"],
                  "properties": {"min_percent": _PERCENT, "max_percent": _PERCENT}}
DECISION_REQUEST = {"type": "object", "additionalProperties": False,
                    "properties": {"reason": {"type": "string", "maxLength": 300}}}

_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
OWNERS_RESPONSES = {
    "OwnedItem": {"type": "object",
                  "required": ["id", "asset_id", "name", "category_id", "hub_id", "at_owner_place", "timezone",
                               "approval_mode", "owner_share_percent", "listed_at", "withdrawn_at", "windows",
                               "exceptions"],
                  "properties": {
                      "id": ID, "asset_id": ID, "name": {"type": "string"}, "category_id": ID, "hub_id": ID,
                      "at_owner_place": {"type": "boolean"}, "timezone": {"type": "string"},
                      "approval_mode": {"type": "string", "enum": APPROVAL_MODES},
                      "owner_share_percent": _PERCENT, "listed_at": _TIME, "withdrawn_at": _TIME_OR_NULL,
                      "windows": {"type": "array", "items": WINDOW},
                      "exceptions": {"type": "array", "items": {"$ref": _REF + "AvailabilityException"}}}},
    "AvailabilityException": {"type": "object", "required": ["id", "kind", "start", "end", "note"],
                              "properties": {"id": ID, "kind": {"type": "string", "enum": EXCEPTION_KINDS},
                                             "start": _TIME, "end": _TIME, "note": {"type": "string"}}},
    "Borrowing": {"type": "object",
                  "required": ["booking", "borrower_name", "meter_out", "meter_in", "damage_report_ids"],
                  "properties": {"booking": {"$ref": _REF + "Booking"}, "borrower_name": {"type": "string"},
                                 "meter_out": {"type": ["number", "null"]}, "meter_in": {"type": ["number", "null"]},
                                 "damage_report_ids": {"type": "array", "items": ID}}},
    "ShareBounds": {"type": "object", "required": ["min_percent", "max_percent"],
                    "properties": {"min_percent": _PERCENT, "max_percent": _PERCENT}},
}


def owners_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    item = {"$ref": _REF + "OwnedItem"}
    booking = {"$ref": _REF + "Booking"}

    def items_of(schema: dict) -> dict:
        return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}

    released = {"type": "object", "required": ["released_booking_ids"],
                "properties": {"released_booking_ids": {"type": "array", "items": ID}}}
    return {
        "/owned-items": {
            "get": op("listOwnedItems", "The caller's own items in the pool", json(items_of(item))),
            "post": op("createOwnedItem", "Put one of your own things into the pool: bookable inside its weekly "
                       "windows only. Send an Idempotency-Key header to make retries safe.",
                       json(item, "Created"), params=[_IDEMPOTENCY], body=OWNED_ITEM_REQUEST, status="201"),
        },
        "/owned-items/{item_id}": {
            "get": op("getOwnedItem", "One of your items (coordinators: any)", json(item),
                      params=[path_id("item_id")]),
            "patch": op("updateOwnedItemTerms", "Change who must be approved and your share", json(item),
                        params=[path_id("item_id")], body=TERMS_REQUEST),
        },
        "/owned-items/{item_id}/windows": {"put": op(
            "setOwnedItemWindows", "Replace the weekly windows (bookings already made are kept)", json(item),
            params=[path_id("item_id")], body=WINDOWS_REQUEST)},
        "/owned-items/{item_id}/exceptions": {"post": op(
            "createAvailabilityException", "Add a dated exception: extra time (available), time off "
            "(unavailable: refused while bookings hold it) or your own use (releases the borrowers' bookings in it, "
            "each borrower told). Send an Idempotency-Key header to make retries safe.",
            json({"type": "object", "required": ["exception", "released_booking_ids"],
                  "properties": {"exception": {"$ref": _REF + "AvailabilityException"},
                                 "released_booking_ids": {"type": "array", "items": ID}}}, "Created"),
            params=[path_id("item_id"), _IDEMPOTENCY], body=EXCEPTION_REQUEST, status="201")},
        "/owned-items/{item_id}/exceptions/{exception_id}": {"delete": op(
            "deleteAvailabilityException", "Remove a dated exception", {"description": "Deleted"},
            params=[path_id("item_id"), path_id("exception_id")], status="204")},
        "/owned-items/{item_id}/borrowings": {"get": op(
            "listBorrowings", "Who borrowed the item, with meter readings and damage reports (the owner and "
            "coordinators only)", json(items_of({"$ref": _REF + "Borrowing"})), params=[path_id("item_id")])},
        "/owned-items/{item_id}/future-bookings": {"get": op(
            "listFutureBookings", "The item's future bookings: what a withdrawal must decide on",
            json(items_of(booking)), params=[path_id("item_id")])},
        "/owned-items/{item_id}/withdraw": {"post": op(
            "withdrawOwnedItem", "Take the item out of the pool, keeping or releasing each future booking (a "
            "decision for every one is required). Send an Idempotency-Key header to make retries safe.",
            json(released), params=[path_id("item_id"), _IDEMPOTENCY], body=WITHDRAW_REQUEST)},
        "/owned-items/approvals": {"get": op(
            "listOwnerApprovals", "Bookings of your items waiting for your approval", json(items_of(booking)))},
        "/owned-items/bookings/{booking_id}/approve": {"post": op(
            "ownerApproveBooking", "Approve a pending booking of your item", json(booking),
            params=[path_id("booking_id"), _IDEMPOTENCY],
            extra={"requestBody": {"required": False,
                                   "content": {"application/json": {"schema": DECISION_REQUEST}}}})},
        "/owned-items/bookings/{booking_id}/reject": {"post": op(
            "ownerRejectBooking", "Reject a pending booking of your item", json(booking),
            params=[path_id("booking_id"), _IDEMPOTENCY],
            extra={"requestBody": {"required": False,
                                   "content": {"application/json": {"schema": DECISION_REQUEST}}}})},
        "/damage-reports/{report_id}/dispute": {"post": op(
            "disputeDamage", "Dispute a damage report on a member-owned item: it goes to the coordinators",
            json({"type": "object", "required": ["report_id"], "properties": {"report_id": ID}}),
            params=[path_id("report_id"), _IDEMPOTENCY], body=DISPUTE_REQUEST)},
        "/owner-share-bounds": {
            "get": op("getShareBounds", "The range owners choose their share of charges in",
                      json({"$ref": _REF + "ShareBounds"})),
            "put": op("setShareBounds", "Set the range (coordinators)", json({"$ref": _REF + "ShareBounds"}),
                      body=BOUNDS_REQUEST),
        },
    }
