"""The published shapes of tariffs, price estimates, charges, adjustments and statements, and their operations
for the OpenAPI document. Money is integer minor units with a three-letter currency, never a float."""
from __future__ import annotations

_MAX = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": _MAX}
_DATE = {"type": "string", "format": "date"}
_DATETIME = {"type": "string", "format": "date-time"}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. EUR"}
_RATE = {"type": ["integer", "null"], "minimum": 0, "maximum": _MAX,
         "description": "Minor units (cents); null: not charged"}
_REF = "#/components/schemas/"
RATES = ("per_hour_minor", "per_day_minor", "per_km_minor", "per_engine_hour_minor", "minimum_minor",
         "deposit_minor", "late_fee_per_hour_minor", "no_show_fee_minor")
_TERMS = {"currency": _CURRENCY, "late_grace_minutes": {"type": "integer", "minimum": 0, "maximum": 1440},
          **dict.fromkeys(RATES, _RATE)}

TARIFF_CREATE = {
    "type": "object", "additionalProperties": False, "required": ["currency"],
    "properties": {"category_id": _ID, "asset_id": _ID, **_TERMS},
    "description": "A tariff for a category or for one asset (exactly one of category_id and asset_id); it "
                   "replaces the one that scope has.",
}
TARIFF_UPDATE = {"type": "object", "additionalProperties": False, "required": ["currency"], "properties": _TERMS}
ADJUSTMENT_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["amount_minor", "reason"],
    "properties": {"amount_minor": {"type": "integer", "minimum": -_MAX, "maximum": _MAX, "not": {"const": 0},
                                    "description": "Signed minor units: negative lowers the charge"},
                   "reason": {"type": "string", "minLength": 1, "maxLength": 500}},
}

PRICES_RESPONSES = {
    "Tariff": {"type": "object", "required": ["id", "category_id", "asset_id", "currency", "late_grace_minutes",
                                              *RATES],
               "properties": {"id": _ID, "category_id": _ID_OR_NULL, "asset_id": _ID_OR_NULL, **_TERMS}},
    "Price": {"type": "object", "required": ["amount_minor", "currency", "computation", "deposit_minor",
                                             "metered_rate_minor", "meter_unit"],
              "properties": {"amount_minor": {"type": "integer", "minimum": 0}, "currency": _CURRENCY,
                             "computation": {"type": "string"}, "deposit_minor": _RATE,
                             "metered_rate_minor": {**_RATE, "description": "Charged on top per unit of use"},
                             "meter_unit": {"type": ["string", "null"], "enum": ["km", "hours", None]}}},
    "PriceEstimate": {"type": "object", "required": ["asset_id", "start", "end", "free", "price"],
                      "properties": {"asset_id": _ID, "start": _DATETIME, "end": _DATETIME,
                                     "free": {"type": "boolean"},
                                     "price": {"oneOf": [{"type": "null"}, {"$ref": _REF + "Price"}]}}},
    "Charge": {"type": "object",
               "required": ["id", "member_id", "booking_id", "amount_minor", "currency", "entry_date",
                            "computation", "adjustments", "total_minor"],
               "properties": {"id": _ID, "member_id": _ID, "booking_id": _ID_OR_NULL,
                              "amount_minor": {"type": "integer"}, "currency": _CURRENCY, "entry_date": _DATE,
                              "computation": {"type": "string"},
                              "adjustments": {"type": "array", "items": {"$ref": _REF + "LedgerEntry"}},
                              "total_minor": {"type": "integer", "description": "The charge with its adjustments"}}},
    "Statement": {"type": "object", "required": ["member_id", "month", "opening", "entries", "closing"],
                  "properties": {"member_id": _ID, "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                                 "opening": {"type": "array", "items": {"$ref": _REF + "Amount"}},
                                 "entries": {"type": "array", "items": {"$ref": _REF + "LedgerEntry"}},
                                 "closing": {"type": "array", "items": {"$ref": _REF + "Amount"}}}},
}


def prices_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    key = [{"name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200}}]
    month = query("month", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM; default: this month")
    fmt = query("format", {"type": "string", "enum": ["json", "csv"]}, "csv: the statement as CSV")
    return {
        "/assets/{asset_id}/price": {"get": op(
            "getAssetPrice", "The estimated price of booking the asset for [start, end) under today's tariff, "
            "with its computation; metered use is added when `use` (km or engine hours) is given.",
            json({"$ref": _REF + "PriceEstimate"}),
            params=[path_id("asset_id"), {**query("start", _DATETIME), "required": True},
                    {**query("end", _DATETIME), "required": True},
                    query("use", {"type": "number", "minimum": 0, "maximum": 10_000_000})])},
        "/tariffs": {
            "get": op("listTariffs", "Every tariff: per category, and per asset (which overrides its category's)",
                      json({"type": "object", "required": ["items"],
                            "properties": {"items": {"type": "array", "items": {"$ref": _REF + "Tariff"}}}})),
            "post": op("createTariff", "Set the tariff of a category or an asset (coordinators)",
                       json({"$ref": _REF + "Tariff"}, "Created"), params=key, body=TARIFF_CREATE, status="201"),
        },
        "/tariffs/{tariff_id}": {
            "get": op("getTariff", "One tariff", json({"$ref": _REF + "Tariff"}), params=[path_id("tariff_id")]),
            "put": op("updateTariff", "Replace a tariff's terms (coordinators); bookings made before keep their "
                      "price", json({"$ref": _REF + "Tariff"}), params=[path_id("tariff_id")], body=TARIFF_UPDATE),
            "delete": op("deleteTariff", "Remove a tariff (coordinators)", {"description": "Removed"},
                         params=[path_id("tariff_id")], status="204"),
        },
        "/charges/{entry_id}": {"get": op(
            "getCharge", "A booking's charge with its computation and adjustments (yours, or any for coordinators)",
            json({"$ref": _REF + "Charge"}), params=[path_id("entry_id")])},
        "/charges/{entry_id}/adjustments": {"post": op(
            "adjustCharge", "Adjust a charge with a reason (coordinators): a new ledger entry, the charge itself "
            "is never changed", json({"$ref": _REF + "LedgerEntry"}, "Created"),
            params=[path_id("entry_id")] + key, body=ADJUSTMENT_REQUEST, status="201")},
        "/statements": {"get": op(
            "getStatement", "A monthly statement: opening balance, entries, closing balance. The caller's own; "
            "coordinators may ask for any member's with member_id.",
            {"description": "OK", "content": {"application/json": {"schema": {"$ref": _REF + "Statement"}},
                                              "text/csv": {"schema": {"type": "string"}}}},
            params=[query("member_id", _ID), month, fmt])},
    }
