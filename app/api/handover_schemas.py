"""JSON Schemas and OpenAPI paths for check-out, check-in, damage reports and recurring series."""
from __future__ import annotations

from app.api.schemas import DATETIME, ID, MAX_ID, NULLABLE_DATETIME, RESPONSES

REF = "#/components/schemas/"
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
PHOTO = {"type": "string", "contentEncoding": "base64",
         "description": "A JPEG, PNG, WebP or GIF photo, base64-encoded. Decoded, it may be as large as the server's "
                        "photo limit (COMMONPOOL_PHOTO_MAX_BYTES, 10 MB unless the operator changed it); a larger one "
                        "is refused with 413. It is re-encoded without its metadata and scaled down to 2048 px on "
                        "the longer side; anything that is not really such an image (HTML, SVG) is refused with 422."}
DAMAGE = {"type": "object", "additionalProperties": False, "required": ["description"],
          "properties": {"description": {"type": "string", "minLength": 1, "maxLength": 2000},
                         "unusable": {"type": "boolean"}, "photo_base64": PHOTO}}
HANDOVER_REQUEST = {
    "type": "object", "additionalProperties": False,
    "properties": {"meter_reading": {"type": ["number", "null"], "minimum": 0, "maximum": 10_000_000,
                                     "description": "km or hours as the asset's meter_unit says; required when it has one"},
                   "checklist": {"type": "object", "maxProperties": 20, "additionalProperties": {"type": "boolean"},
                                 "description": "The category's condition checklist items, ticked or not"},
                   "note": {"type": "string", "maxLength": 2000},
                   "damage": DAMAGE},
}
DAMAGE_REQUEST = {"type": "object", "additionalProperties": False, "required": ["description"],
                  "properties": {**DAMAGE["properties"], "booking_id": ID}}
SERIES_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["asset_id", "first_date", "start_time", "end_time", "occurrences"],
    "properties": {"asset_id": ID,
                   "first_date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                   "start_time": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$",
                                  "description": "Wall-clock time in the hub's zone, HH:MM"},
                   "end_time": {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$",
                                "description": "Wall-clock time in the hub's zone; at or before the start: next day"},
                   "occurrences": {"type": "integer", "minimum": 1, "maximum": 52},
                   "interval_days": {"type": "integer", "minimum": 1, "maximum": 28, "default": 7},
                   "note": {"type": "string", "maxLength": 2000}},
}
SERIES_RESPONSES = {
    "DamageReport": {
        "type": "object", "required": ["id", "asset_id", "description", "unusable", "status"],
        "properties": {"id": ID, "asset_id": ID, "booking_id": {"type": ["integer", "null"]},
                       "reported_at": DATETIME, "description": {"type": "string"}, "unusable": {"type": "boolean"},
                       "status": {"type": "string", "enum": ["open", "repaired"]},
                       "photo_url": {"type": ["string", "null"]},
                       "repaired_at": NULLABLE_DATETIME, "repair_cost_minor": {"type": ["integer", "null"]},
                       "currency": {"type": "string"}}},
    "CheckIn": {
        "type": "object", "required": ["booking", "returned_early", "returned_late", "flagged_booking_ids"],
        "properties": {"booking": {"$ref": REF + "Booking"}, "returned_early": {"type": "boolean"},
                       "returned_late": {"type": "boolean"},
                       "flagged_booking_ids": {"type": "array", "items": ID},
                       "damage_report": {"oneOf": [{"type": "null"}, {"$ref": REF + "DamageReport"}]},
                       "charge": {"description": "The charge posted to the member's ledger; null: free",
                                  "oneOf": [{"type": "null"}, {"$ref": REF + "LedgerEntry"}]}}},
    "Series": {
        "type": "object",
        "required": ["id", "asset_id", "first_date", "start_time", "end_time", "occurrences", "timezone", "bookings",
                     "skipped"],
        "properties": {"id": ID, "asset_id": ID, "first_date": {"type": "string"}, "start_time": {"type": "string"},
                       "end_time": {"type": "string"}, "duration_minutes": {"type": "integer"},
                       "interval_days": {"type": "integer"}, "occurrences": {"type": "integer"},
                       "timezone": {"type": "string"}, "note": {"type": "string"}, "created_at": DATETIME,
                       "cancelled_at": NULLABLE_DATETIME,
                       "bookings": {"type": "array", "items": {"$ref": REF + "Booking"}},
                       "skipped": {"type": "array", "items": {
                           "type": "object", "required": ["label", "reason"],
                           "properties": {"label": {"type": "string"}, "start": NULLABLE_DATETIME,
                                          "end": NULLABLE_DATETIME, "reason": {"type": "string"}}}}}},
}
RESPONSES.update(SERIES_RESPONSES)

SERIES_LINKS = {"links": {
    "GetSeries": {"operationId": "getSeries", "parameters": {"series_id": "$response.body#/id"}},
    "CancelSeries": {"operationId": "cancelSeries", "parameters": {"series_id": "$response.body#/id"}},
}}


def handover_paths(_op, _json, _query) -> dict:
    def path_id(name):
        return {"name": name, "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}

    booking, series = {"$ref": REF + "Booking"}, {"$ref": REF + "Series"}
    paging = [_query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
              _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]
    return {
        "/bookings/{booking_id}/check-out": {"post": _op(
            "checkOutBooking", "Check a confirmed booking out at the hub: meter reading (refused when below the "
            "asset's last one), condition checklist, optional damage report. The booking's member, or a "
            "coordinator (only a coordinator when the category says so). A member's own item is checked out "
            "when its owner and the borrower have both confirmed. Send an Idempotency-Key header to make retries "
            "safe.", _json(booking), params=[path_id("booking_id"), IDEMPOTENCY], body=HANDOVER_REQUEST)},
        "/bookings/{booking_id}/check-in": {"post": _op(
            "checkInBooking", "Check a checked-out booking in. Early: the rest of the slot is freed for the "
            "waitlist. Late: the bookings it ran into are flagged. Damage marked unusable puts the asset in "
            "maintenance. A member's own item is checked in when its owner and the borrower have both "
            "confirmed; the charge is posted then. Send an Idempotency-Key header to make retries safe.",
            _json({"$ref": REF + "CheckIn"}), params=[path_id("booking_id"), IDEMPOTENCY], body=HANDOVER_REQUEST)},
        "/assets/{asset_id}/damage": {"post": _op(
            "reportDamage", "Report damage on an asset; unusable puts it in maintenance and tells the coordinators",
            _json({"$ref": REF + "DamageReport"}, "Created"), params=[path_id("asset_id")], body=DAMAGE_REQUEST,
            status="201")},
        "/series": {
            "get": _op("listSeries", "The caller's recurring bookings, newest first",
                       _json({"type": "object", "required": ["items", "page", "per_page", "total"],
                              "properties": {"items": {"type": "array", "items": series},
                                             "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                             "total": {"type": "integer"}}}), params=paging),
            "post": _op("createSeries", "Book an asset repeatedly (e.g. every Saturday 09:00-12:00 for 8 weeks, "
                        "wall-clock in the hub's zone, correct across DST). Each occurrence is booked on its own; "
                        "`skipped` lists those that could not be, with why. 409 when none could.",
                        {**_json(series, "Created"), **SERIES_LINKS}, body=SERIES_REQUEST, status="201"),
        },
        "/series/{series_id}": {"get": _op("getSeries", "One recurring booking with its occurrences",
                                           _json(series), params=[path_id("series_id")])},
        "/series/{series_id}/cancel": {"post": _op(
            "cancelSeries", "Cancel the upcoming occurrences of a series (cancel one occurrence with cancelBooking)",
            _json(series), params=[path_id("series_id")])},
    }
