"""JSON Schemas (2020-12) of the API's request and response bodies: used to validate requests and
published in the OpenAPI document, so the two cannot drift apart."""
from __future__ import annotations

from app.api.pools_schemas import POOL_SUMMARY

MAX_ID = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATETIME = {"type": "string", "format": "date-time",
            "description": "RFC 3339 with an offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00"}
SHORT_TEXT = {"type": "string", "maxLength": 300}
CAPABILITIES = {"type": "object", "maxProperties": 40,
                "additionalProperties": {"type": ["number", "boolean", "string"]},
                "description": "Values by capability name as declared by the category: number, bool or text"}
STATUS = {"type": "string", "enum": ["pending", "confirmed", "checked_out", "completed", "cancelled", "rejected",
                                     "no_show"]}

TOKEN_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["email", "password"],
    "properties": {"email": {"type": "string", "maxLength": 254}, "password": {"type": "string", "maxLength": 1024},
                   "name": {"type": "string", "maxLength": 100},
                   "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650,
                                       "description": "The token is refused from this many days on; "
                                                      "without it, it lasts until revoked"}},
}
BOOKING_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["asset_id", "start", "end"],
    "properties": {"asset_id": ID, "start": DATETIME, "end": DATETIME, "note": {"type": "string", "maxLength": 2000}},
}
DECISION_REQUEST = {"type": "object", "additionalProperties": False,
                    "properties": {"reason": SHORT_TEXT}}
HUB_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120}, "address": SHORT_TEXT,
    "lat": {"type": "number", "minimum": -90, "maximum": 90}, "lon": {"type": "number", "minimum": -180, "maximum": 180},
    "timezone": {"type": "string", "maxLength": 64}, "opening_hours": SHORT_TEXT,
}
POOL_CHOICE = {"pool_id": {**ID, "description": "The pool it goes into, one the caller coordinates; by default "
                                                "their only pool"}}
HUB_CREATE = {"type": "object", "additionalProperties": False, "required": ["name", "lat", "lon", "timezone"],
              "properties": {**HUB_FIELDS, **POOL_CHOICE}}
HUB_UPDATE = {"type": "object", "additionalProperties": False, "properties": HUB_FIELDS}
CATEGORY_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "kind": {"type": "string", "enum": ["tool", "machine", "vehicle"]},
    "description": {"type": "string", "maxLength": 2000},
    "min_duration_minutes": {"type": "integer", "minimum": 1, "maximum": 527040},
    "max_duration_minutes": {"type": "integer", "minimum": 1, "maximum": 527040},
    "min_notice_minutes": {"type": "integer", "minimum": 0, "maximum": 86400},
    "max_advance_days": {"type": "integer", "minimum": 1, "maximum": 1098},
    "approval_required": {"type": "boolean"},
    "capability_schema": {"type": "object", "maxProperties": 40,
                          "additionalProperties": {"type": "string", "enum": ["number", "bool", "text"]}},
    "handover_by_coordinator": {"type": "boolean",
                                "description": "Only a coordinator checks these out and in at the hub"},
    "no_show_grace_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 10080,
                              "description": "A booking not checked out this long after its start is released "
                                             "as a no-show; null: never"},
    "condition_checklist": {"type": "array", "maxItems": 20,
                            "items": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": "\\S"},
                            "description": "Condition items ticked at check-out and check-in"},
}
CATEGORY_NAMES = {"type": "object", "additionalProperties": False,
                  "properties": {code: {"type": "string", "maxLength": 120} for code in ("en", "fr", "de")},
                  "description": "The name in each language ({\"fr\": \"Vélos cargo\"}); readers whose language "
                                 "has none see the default name. Replaces all given before."}
CATEGORY_CREATE = {"type": "object", "additionalProperties": False, "required": ["name", "kind"],
                   "properties": {**CATEGORY_FIELDS, **POOL_CHOICE}}
CATEGORY_UPDATE = {"type": "object", "additionalProperties": False, "properties": CATEGORY_FIELDS}
ASSET_FIELDS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 120},
    "description": {"type": "string", "maxLength": 4000},
    "use_instructions": {"type": "string", "maxLength": 4000,
                         "description": "How to use it and get at it (\"the key is in the key safe\"); members only"},
    "category_id": ID, "hub_id": ID, "capabilities": CAPABILITIES,
    "status": {"type": "string", "enum": ["active", "maintenance", "retired"]},
    "design_url": {"type": "string", "maxLength": 500}, "design_licence": {"type": "string", "maxLength": 120},
    "purchase_cost_minor": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_ID},
    "currency": {"type": "string", "minLength": 3, "maxLength": 3},
    "purchase_date": {"type": ["string", "null"], "format": "date"},
    "meter_unit": {"type": ["string", "null"], "enum": ["km", "hours", None]},
    "type": {"type": ["string", "null"], "maxLength": 80},
}
ASSET_CREATE = {"type": "object", "additionalProperties": False, "required": ["name", "category_id", "hub_id"],
                "properties": ASSET_FIELDS}
ASSET_UPDATE = {"type": "object", "additionalProperties": False, "properties": ASSET_FIELDS}
FLEXIBLE_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["category_id", "earliest_start", "latest_end", "duration_minutes"],
    "properties": {"category_id": ID, "earliest_start": DATETIME, "latest_end": DATETIME,
                   "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 527040},
                   "requires": CAPABILITIES,
                   "types": {"type": "array", "maxItems": 20,
                             "items": {"type": "string", "minLength": 1, "maxLength": 80}},
                   "location": {"type": "object", "additionalProperties": False, "required": ["lat", "lon"],
                                "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                               "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
                   "max_distance_km": {"type": "number", "exclusiveMinimum": 0, "maximum": 40000},
                   "preferred_asset_id": ID, "note": {"type": "string", "maxLength": 2000}},
}
MAINTENANCE_REQUEST = {"type": "object", "additionalProperties": False, "required": ["start", "end"],
                       "properties": {"start": DATETIME, "end": DATETIME, "reason": SHORT_TEXT}}


def page_of(item_ref: str, *more_refs: str) -> dict:
    """A page of items of one schema (or of any of several)."""
    items = {"anyOf": [{"$ref": ref} for ref in (item_ref, *more_refs)]} if more_refs else {"$ref": item_ref}
    return {"type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": items},
                           "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
                           "total": {"type": "integer", "minimum": 0}}}


NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
RESPONSES = {
    "Problem": {"type": "object", "required": ["title", "status", "detail"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                               "detail": {"type": "string"}, "field": {"type": "string"}}},
    "Token": {"type": "object", "required": ["token", "id"],
              "properties": {"token": {"type": "string"}, "id": ID, "name": {"type": "string"},
                             "prefix": {"type": "string"}, "created_at": DATETIME,
                             "expires_at": NULLABLE_DATETIME}},
    "Hub": {"type": "object", "required": ["id", "pool", "name", "lat", "lon", "timezone", "opening_hours", "retired"],
            "properties": {"id": ID, "pool": POOL_SUMMARY, "name": {"type": "string"}, "address": {"type": "string"},
                           "lat": {"type": "number"}, "lon": {"type": "number"}, "timezone": {"type": "string"},
                           "opening_hours": {"type": "string"}, "retired": {"type": "boolean"}}},
    "Category": {"type": "object", "required": ["id", "pool", "name", "kind"],
                 "properties": {"id": ID, "pool": POOL_SUMMARY, "name": {"type": "string"}, "kind": {"type": "string"},
                                "description": {"type": "string"},
                                "min_duration_minutes": {"type": "integer"}, "max_duration_minutes": {"type": "integer"},
                                "min_notice_minutes": {"type": "integer"}, "max_advance_days": {"type": "integer"},
                                "approval_required": {"type": "boolean"}, "capability_schema": {"type": "object"},
                                "retired": {"type": "boolean"}, "handover_by_coordinator": {"type": "boolean"},
                                "no_show_grace_minutes": {"type": ["integer", "null"]},
                                "condition_checklist": {"type": "array", "items": {"type": "string"}},
                                "names": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "Asset": {"type": "object", "required": ["id", "pool", "name", "category_id", "hub_id", "status", "capabilities"],
              "properties": {"id": ID, "pool": POOL_SUMMARY, "name": {"type": "string"}, "description": {"type": "string"},
                             "category_id": ID, "hub_id": ID, "status": {"type": "string"},
                             "capabilities": {"type": "object"}, "design_url": {"type": "string"},
                             "design_licence": {"type": "string"},
                             "purchase_cost_minor": {"type": ["integer", "null"]}, "currency": {"type": "string"},
                             "purchase_date": {"type": ["string", "null"]}, "meter_unit": {"type": ["string", "null"]},
                             "type": {"type": ["string", "null"]},
                             "distance_km": {"type": ["number", "null"]},
                             "via_agreement": {"type": "boolean",
                                               "description": "A partner pool's asset the caller books through a "
                                                              "lending agreement"},
                             "use_instructions": {"type": "string"},
                             "photos": {"type": "array", "items": {"$ref": "#/components/schemas/AssetPhoto"}}}},
    "AssetPhoto": {"type": "object", "required": ["id", "url", "thumbnail_url", "alt_text"],
                   "properties": {"id": ID, "url": {"type": "string", "format": "uri"},
                                  "thumbnail_url": {"type": "string", "format": "uri",
                                                    "description": "at most 480 px on the longer side"},
                                  "alt_text": {"type": "string"}}},
    "Interval": {"type": "object", "required": ["start", "end"], "properties": {"start": DATETIME, "end": DATETIME}},
    "Availability": {"type": "object", "required": ["asset_id", "from", "until", "free"],
                     "properties": {"asset_id": ID, "from": DATETIME, "until": DATETIME,
                                    "free": {"type": "array", "items": {"$ref": "#/components/schemas/Interval"}}}},
    "Booking": {"type": "object", "required": ["id", "asset_id", "member_id", "start", "end", "status"],
                "properties": {"id": ID, "asset_id": ID, "member_id": ID, "start": DATETIME, "end": DATETIME,
                               "status": STATUS, "note": {"type": "string"}, "created_at": DATETIME,
                               "decided_at": NULLABLE_DATETIME, "decision_reason": {"type": "string"},
                               "cancelled_at": NULLABLE_DATETIME,
                               "price": {"description": "The price the booking showed when it was made (kept "
                                                        "whatever the tariff says later); null: free",
                                         "oneOf": [{"type": "null"}, {
                                             "type": "object", "required": ["amount_minor", "currency", "computation"],
                                             "properties": {"amount_minor": {"type": "integer", "minimum": 0},
                                                            "currency": {"type": "string"},
                                                            "computation": {"type": "string"}}}]}}},
    "Maintenance": {"type": "object", "required": ["id", "asset_id", "start", "end"],
                    "properties": {"id": ID, "asset_id": ID, "start": DATETIME, "end": DATETIME,
                                   "reason": {"type": "string"},
                                   "bookings_hit": {"type": "array", "items": {"$ref": "#/components/schemas/Booking"}}}},
    "FlexibleRequest": {
        "type": "object",
        "required": ["id", "member_id", "category_id", "status", "earliest_start", "latest_end", "duration_minutes"],
        "properties": {"id": ID, "member_id": ID, "category_id": ID,
                       "status": {"type": "string", "enum": ["waitlisted", "assigned", "cancelled", "expired"]},
                       "earliest_start": DATETIME, "latest_end": DATETIME, "duration_minutes": {"type": "integer"},
                       "requires": {"type": "object"}, "location": {"type": ["object", "null"]},
                       "types": {"type": "array", "items": {"type": "string"}},
                       "max_distance_km": {"type": ["number", "null"]},
                       "preferred_asset_id": {"type": ["integer", "null"]},
                       "waitlist_reason": {"type": "string"},
                       "queue_position": {"type": ["integer", "null"]},
                       "booking": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Booking"}]},
                       "assignment": {"type": ["object", "null"], "properties": {
                           "asset_id": ID, "asset_name": {"type": "string"}, "hub_id": ID,
                           "hub_name": {"type": "string"}, "start": DATETIME, "end": DATETIME,
                           "distance_km": {"type": ["number", "null"]}}},
                       "created_at": DATETIME,
                       "price_range": {"description": "The cheapest and dearest price of the duration over the "
                                                      "assets that could serve it, under today's tariffs (minor "
                                                      "units); null: free",
                                       "oneOf": [{"type": "null"}, {
                                           "type": "object", "required": ["currency", "min_minor", "max_minor"],
                                           "properties": {"currency": {"type": "string"},
                                                          "min_minor": {"type": "integer", "minimum": 0},
                                                          "max_minor": {"type": "integer", "minimum": 0}}}]}}},
    "Me": {"type": "object", "required": ["id", "email", "name", "role"],
           "properties": {"id": ID, "email": {"type": "string"}, "name": {"type": "string"},
                          "role": {"type": "string", "enum": ["member", "coordinator", "admin"]},
                          "home": {"type": ["object", "null"]}, "calendar_url": {"type": ["string", "null"]}}},
}

from app.api.stats_schemas import STATS_RESPONSES  # noqa: E402

RESPONSES.update(STATS_RESPONSES)
from app.api.costs_schemas import COSTS_RESPONSES  # noqa: E402

RESPONSES.update(COSTS_RESPONSES)
from app.api.planning_schemas import PLANNING_RESPONSES  # noqa: E402

RESPONSES.update(PLANNING_RESPONSES)
from app.api.optimiser_schemas import OPTIMISER_RESPONSES  # noqa: E402

RESPONSES.update(OPTIMISER_RESPONSES)
from app.api.governance_schemas import GOVERNANCE_RESPONSES  # noqa: E402

RESPONSES.update(GOVERNANCE_RESPONSES)
from app.api.pools_schemas import POOL_RESPONSES  # noqa: E402

RESPONSES.update(POOL_RESPONSES)
from app.api.owners_schemas import OWNERS_RESPONSES  # noqa: E402

RESPONSES.update(OWNERS_RESPONSES)
from app.api.prices_schemas import PRICES_RESPONSES  # noqa: E402

RESPONSES.update(PRICES_RESPONSES)
from app.api.eligibility_schemas import ELIGIBILITY_RESPONSES  # noqa: E402

RESPONSES.update(ELIGIBILITY_RESPONSES)
from app.api.federation_schemas import FEDERATION_RESPONSES  # noqa: E402
from app.api.agreements_schemas import AGREEMENTS_RESPONSES  # noqa: E402

RESPONSES.update(FEDERATION_RESPONSES)
RESPONSES.update(AGREEMENTS_RESPONSES)
