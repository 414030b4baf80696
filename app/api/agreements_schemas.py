"""The published shapes of lending agreements between pools and their operations for the OpenAPI document
(merged into schemas.RESPONSES and openapi.document's paths)."""
from __future__ import annotations

from app.api.eligibility_schemas import CATEGORY_RULES_REQUEST
from app.api.pools_schemas import POOL_SUMMARY

_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_DATETIME = {"type": "string", "format": "date-time"}
_DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_REF = "#/components/schemas/"
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
_LIMITS = {name: {**CATEGORY_RULES_REQUEST["properties"][name],
                  "description": CATEGORY_RULES_REQUEST["properties"][name]["description"]
                  + " (per member of the borrowing pool and covered category)"}
           for name in ("max_at_once", "max_hours_per_week", "max_bookings_per_week")}

AGREEMENT_OFFER = {
    "type": "object", "additionalProperties": False, "required": ["borrower_pool_id", "category_ids"],
    "properties": {
        "lender_pool_id": {**_ID, "description": "A pool the caller coordinates; default: their only pool"},
        "borrower_pool_id": _ID,
        "category_ids": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 100, "uniqueItems": True,
                         "description": "The lending pool's categories it covers"},
        "requires_approval": {"type": "boolean",
                              "description": "Bookings by the borrower's members wait for the lender's coordinators"},
        **_LIMITS}}

AGREEMENTS_RESPONSES = {
    "LendingAgreement": {
        "type": "object",
        "required": ["id", "lender", "borrower", "status", "categories", "requires_approval", "max_at_once",
                     "max_hours_per_week", "max_bookings_per_week", "created_at", "accepted_at", "ended_at"],
        "properties": {
            "id": _ID, "lender": POOL_SUMMARY, "borrower": POOL_SUMMARY,
            "status": {"type": "string", "enum": ["offered", "active", "ended"]},
            "categories": {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                                                      "properties": {"id": _ID, "name": {"type": "string"}}}},
            "requires_approval": {"type": "boolean"}, **_LIMITS,
            "created_at": _DATETIME, "accepted_at": _DATETIME_OR_NULL, "ended_at": _DATETIME_OR_NULL}},
}


def agreements_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    agreement = {"$ref": _REF + "LendingAgreement"}
    listing = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": agreement}}}
    return {
        "/agreements": {
            "get": op("listAgreements", "The lending agreements of the pools the caller coordinates, as lender or "
                      "borrower (coordinators)", json(listing)),
            "post": op("offerAgreement", "Offer to lend some of the caller's pool's categories to another pool's "
                       "members; the borrower's coordinators accept it (coordinators). Send an Idempotency-Key "
                       "header to make retries safe.", json(agreement, "Created"), params=[_IDEMPOTENCY],
                       body=AGREEMENT_OFFER, status="201"),
        },
        "/agreements/{agreement_id}": {"get": op(
            "getAgreement", "One agreement of a pool the caller coordinates (coordinators)", json(agreement),
            params=[path_id("agreement_id")])},
        "/agreements/{agreement_id}/accept": {"post": op(
            "acceptAgreement", "Accept an offer: the borrowing pool's members can book the covered categories "
            "(the borrower's coordinators)", json(agreement), params=[path_id("agreement_id"), _IDEMPOTENCY])},
        "/agreements/{agreement_id}/end": {"post": op(
            "endAgreement", "End an agreement or decline an offer (either pool's coordinators). New bookings "
            "through it are refused; those made are kept and the lender's coordinators told",
            json(agreement), params=[path_id("agreement_id"), _IDEMPOTENCY])},
    }
