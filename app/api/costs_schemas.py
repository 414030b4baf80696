"""The published shapes of the open-book endpoints (costs, cost records, ledger entries) and their operations
for the OpenAPI document (merged into schemas.RESPONSES and openapi.document's paths). Money is always an
integer number of minor units with a three-letter currency."""
from __future__ import annotations

from app.api.schema_paging import page_of, paging_params

from app.api.pools_schemas import POOL_SUMMARY

_MAX = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": _MAX}
_DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
_DATETIME = {"type": "string", "format": "date-time"}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. EUR"}
_MINOR = {"type": "integer", "minimum": 0, "maximum": _MAX, "description": "Minor units (cents); never a float"}
_NOTE = {"type": "string", "maxLength": 500}
_REF = "#/components/schemas/"
_AMOUNTS = {"type": "array", "items": {"$ref": _REF + "Amount"}}

COST_RECORD_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["asset_id", "kind", "amount_minor", "currency", "incurred_on"],
    "properties": {"asset_id": _ID, "kind": {"type": "string", "enum": ["maintenance", "repair", "insurance",
                                                                        "yearly", "other"]},
                   "amount_minor": _MINOR, "currency": _CURRENCY, "incurred_on": _DATE, "note": _NOTE},
}
LEDGER_ENTRY_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["member_id", "kind", "entry_date"],
    "properties": {"member_id": _ID, "kind": {"type": "string", "enum": ["fee", "payment"]},
                   "amount_minor": {**_MINOR, "minimum": 1,
                                    "description": "Minor units; may be left out for a fee of a booking whose "
                                                   "category has a per-hour fee"},
                   "currency": _CURRENCY, "entry_date": _DATE, "booking_id": _ID, "note": _NOTE},
}

COSTS_RESPONSES = {
    "Amount": {"type": "object", "required": ["currency", "amount_minor"],
               "properties": {"currency": _CURRENCY, "amount_minor": {"type": "integer"}}},
    "CostRecord": {"type": "object",
                   "required": ["id", "asset_id", "kind", "amount_minor", "currency", "incurred_on", "note"],
                   "properties": {"id": _ID, "asset_id": _ID, "kind": {"type": "string"}, "amount_minor": _MINOR,
                                  "currency": _CURRENCY, "incurred_on": _DATE, "note": {"type": "string"}}},
    "LedgerEntry": {"type": "object",
                    "required": ["id", "member_id", "kind", "amount_minor", "currency", "entry_date", "category_id",
                                 "booking_id", "note"],
                    "properties": {"id": _ID, "member_id": _ID,
                                   "kind": {"type": "string", "enum": ["fee", "payment", "charge", "adjustment",
                                                                      "owner_reimbursement"]},
                                   "amount_minor": {"type": "integer", "minimum": -_MAX, "maximum": _MAX,
                                                    "description": "Minor units; only an adjustment is negative"},
                                   "currency": _CURRENCY, "entry_date": _DATE,
                                   "category_id": _ID_OR_NULL, "booking_id": _ID_OR_NULL,
                                   "note": {"type": "string"}, "computation": {"type": "string"},
                                   "adjusts_id": _ID_OR_NULL}},
    "MyLedger": {"type": "object", "required": ["entries", "balances"],
                 "properties": {"entries": {"type": "array", "items": {"$ref": _REF + "LedgerEntry"}},
                                "balances": {**_AMOUNTS, "description": "Fees, charges and adjustments minus "
                                                                        "payments per currency: what the member "
                                                                        "owes (negative: in credit)"}}},
    "CostSummary": {
        "type": "object", "required": ["period", "categories", "pool", "definitions", "for_pool"],
        "properties": {
            "for_pool": POOL_SUMMARY,
            "period": {"type": "object", "required": ["start", "end"],
                       "properties": {"start": _DATETIME, "end": _DATETIME}},
            "categories": {"type": "array", "items": {
                "type": "object",
                "required": ["category_id", "name", "assets", "recorded_costs", "depreciation", "total_cost",
                             "hours_of_use", "cost_per_hour_of_use", "fee", "suggested_fee_per_hour"],
                "properties": {
                    "category_id": _ID, "name": {"type": "string"}, "assets": {"type": "integer"},
                    "recorded_costs": _AMOUNTS,
                    "recorded_by_kind": {"type": "object", "additionalProperties": _AMOUNTS},
                    "depreciation": _AMOUNTS, "life_years": {"type": "number"}, "total_cost": _AMOUNTS,
                    "hours_of_use": {"type": "number"},
                    "cost_per_hour_of_use": {"oneOf": [_AMOUNTS, {"type": "null"}]},
                    "fee": {"oneOf": [{"type": "null"}, {
                        "type": "object", "required": ["currency", "per_hour_minor", "per_km_minor"],
                        "properties": {"currency": _CURRENCY, "per_hour_minor": {"type": ["integer", "null"]},
                                       "per_km_minor": {"type": ["integer", "null"]}}}]},
                    "suggested_fee_per_hour": {"oneOf": [_AMOUNTS, {"type": "null"}]},
                    "income_from_charges": _AMOUNTS}}},
            "hubs": {"type": "array", "items": {
                "type": "object",
                "required": ["hub_id", "name", "assets", "total_cost", "hours_of_use", "cost_per_hour_of_use",
                             "income_from_charges"],
                "properties": {
                    "hub_id": _ID, "name": {"type": "string"}, "assets": {"type": "integer"},
                    "recorded_costs": _AMOUNTS, "depreciation": _AMOUNTS, "total_cost": _AMOUNTS,
                    "hours_of_use": {"type": "number"},
                    "cost_per_hour_of_use": {"oneOf": [_AMOUNTS, {"type": "null"}]},
                    "income_from_charges": _AMOUNTS}}},
            "pool": {"type": "object", "required": ["total_cost", "hours_of_use", "fees_charged", "payments_received"],
                     "properties": {"total_cost": _AMOUNTS, "hours_of_use": {"type": "number"},
                                    "fees_charged": _AMOUNTS, "payments_received": _AMOUNTS,
                                    "income_from_charges": _AMOUNTS, "reimbursed_to_owners": _AMOUNTS}},
            "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
}


def costs_paths(op, json, query) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = paging_params(query)

    return {
        "/costs": {"get": op(
            "getCostSummary",
            "The open books per category for [from, until) (default: the last twelve months): recorded costs, "
            "depreciation, total cost, hours of use, cost per hour of use (the suggested per-hour fee), the fee "
            "set; fees charged and payments received over all members; income from charges per category and per "
            "hub against the full cost. Public: no member data.",
            json({"$ref": _REF + "CostSummary"}), params=[query("from", _DATETIME), query("until", _DATETIME),
                                                          query("pool_id", {"type": "integer", "minimum": 1})],
            public=True)},
        "/cost-records": {
            "get": op("listCostRecords", "Cost records, newest first (coordinators)", json(page_of("CostRecord")),
                      params=[query("asset_id", _ID)] + paging),
            "post": op("createCostRecord", "Record a cost of an asset (coordinators)",
                       json({"$ref": _REF + "CostRecord"}, "Created"), body=COST_RECORD_REQUEST, status="201"),
        },
        "/ledger-entries": {
            "get": op("listLedgerEntries", "Members' ledger entries, newest first (coordinators)",
                      json(page_of("LedgerEntry")), params=[query("member_id", _ID)] + paging),
            "post": op("createLedgerEntry", "Record a fee or a payment in a member's ledger (coordinators)",
                       json({"$ref": _REF + "LedgerEntry"}, "Created"), body=LEDGER_ENTRY_REQUEST, status="201"),
        },
        "/me/ledger": {"get": op("getMyLedger", "The caller's own ledger and balance per currency",
                                 json({"$ref": _REF + "MyLedger"}))},
    }
