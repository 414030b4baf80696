"""The published shape of GET /stats/utilisation and GET /stats/impact, and their operations for the OpenAPI
document (merged into schemas.RESPONSES and openapi.document's paths)."""
from __future__ import annotations

_MAX_ID = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX_ID}
_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_DATETIME = {"type": "string", "format": "date-time"}
_REF = "#/components/schemas/"

_FIGURES = {"booked_hours": _NUM, "bookable_hours": _NUM, "open_hours": _NUM, "maintenance_hours": _NUM,
            "held_hours": _NUM, "utilisation": _NUM_OR_NULL}
_ROW = {"type": "object", "required": ["name", "assets", *_FIGURES],
        "properties": {"id": {"type": ["integer", "null"]}, "name": {"type": "string"},
                       "assets": {"type": "integer"}, **_FIGURES,
                       "category_id": _ID, "hub_id": _ID, "category": {"type": "string"}, "hub": {"type": "string"}}}
_BAND = {"type": "object", "required": ["low", "central", "high"],
         "properties": {"low": _NUM, "central": _NUM, "high": _NUM}}
_GRID = {"type": "array", "minItems": 7, "maxItems": 7,
         "items": {"type": "array", "minItems": 24, "maxItems": 24, "items": _NUM_OR_NULL}}

STATS_RESPONSES = {
    "UtilisationRow": _ROW,
    "Band": _BAND,
    "UtilisationStats": {
        "type": "object",
        "required": ["period", "pool", "categories", "hubs", "assets", "weeks", "heat_map", "unmet_demand",
                     "idle_assets", "idle_below", "definitions"],
        "properties": {
            "period": {"type": "object", "required": ["start", "end"],
                       "properties": {"start": _DATETIME, "end": _DATETIME}},
            "pool": {"$ref": _REF + "UtilisationRow"},
            "categories": {"type": "array", "items": {"$ref": _REF + "UtilisationRow"}},
            "types": {"type": "array", "items": {"$ref": _REF + "UtilisationRow"},
                      "description": "Per asset type inside a category (assets without a type left out)"},
            "hubs": {"type": "array", "items": {"$ref": _REF + "UtilisationRow"}},
            "assets": {"type": "array", "items": {"$ref": _REF + "UtilisationRow"}},
            "idle_assets": {"type": "array", "items": {"$ref": _REF + "UtilisationRow"}},
            "idle_below": _NUM,
            "weeks": {"type": "array", "items": {"type": "object", "required": ["week_start", *_FIGURES],
                                                 "properties": {"week_start": {"type": "string", "format": "date"},
                                                                **_FIGURES}}},
            "heat_map": {"type": "object", "required": ["weekdays", "hours", "booked_hours", "share"],
                         "properties": {"weekdays": {"type": "array", "items": {"type": "string"}},
                                        "hours": {"type": "array", "items": {"type": "integer"}},
                                        "booked_hours": _GRID, "share": _GRID}},
            "unmet_demand": {"type": "array", "items": {
                "type": "object", "required": ["category_id", "name", "unmet_requests", "unmet_hours", "by_source"],
                "properties": {"category_id": _ID, "name": {"type": "string"}, "booked_hours": _NUM,
                               "bookable_hours": _NUM, "unmet_requests": {"type": "integer"},
                               "unmet_hours": _NUM, "by_source": {"type": "object"}}}},
            "definitions": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
    "ImpactStats": {
        "type": "object", "required": ["period", "pool", "categories", "method", "caveats", "claims_not_used"],
        "properties": {
            "period": {"type": "object", "required": ["start", "end"],
                       "properties": {"start": _DATETIME, "end": _DATETIME}},
            "pool": {"type": "object", "required": ["material_kg", "energy_mj", "energy_kwh", "co2e_kg",
                                                    "avoided_units"],
                     "additionalProperties": {"$ref": _REF + "Band"}},
            "categories": {"type": "array", "items": {
                "type": "object", "required": ["category_id", "name", "counted", "factor_key", "sources", "marks",
                                               "material_kg", "energy_mj", "energy_kwh", "co2e_kg"],
                "properties": {"category_id": _ID, "name": {"type": "string"}, "counted": {"type": "boolean"},
                               "factor_key": {"type": ["string", "null"]},
                               "factor_label": {"type": ["string", "null"]}, "mapping": {"type": "string"},
                               "overrides": {"type": "object"}, "override_note": {"type": "string"},
                               "sources": {"type": "array", "items": {"type": "string"}},
                               "marks": {"type": "object", "additionalProperties": {"type": "string"}},
                               "inputs": {"type": "object"}, "avoided_units": {"$ref": _REF + "Band"},
                               "material_kg": {"$ref": _REF + "Band"}, "energy_mj": {"$ref": _REF + "Band"},
                               "energy_kwh": {"$ref": _REF + "Band"}, "co2e_kg": {"$ref": _REF + "Band"},
                               "assets": {"type": "array", "items": {"type": "object"}}}}},
            "method": {"type": "string"},
            "caveats": {"type": "array", "items": {"type": "string"}},
            "claims_not_used": {"type": "array", "items": {"type": "object"}},
            "sources": {"type": "object", "additionalProperties": {"type": "string"}},
        }},
}


def stats_paths(op, json, query) -> dict:
    """The two operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    return {
        "/stats/utilisation": {"get": op(
            "getUtilisationStats",
            "Booked over bookable hours (opening hours minus maintenance) per asset, category, hub and pool for "
            "[from, until) (default: the last 13 weeks; at most 400 days), week by week, by local hour of the "
            "week, idle assets and unmet demand. Public: no member data.",
            json({"$ref": _REF + "UtilisationStats"}),
            params=[query("from", _DATETIME), query("until", _DATETIME), query("hub", _ID),
                    query("category", _ID), query("asset", _ID), query("pool_id", _ID),
                    query("idle_below", {"type": "number", "minimum": 0, "maximum": 100},
                          "Idle threshold in percent (default 5)")],
            public=True)},
        "/stats/impact": {"get": op(
            "getImpactStats",
            "Material, embodied energy and CO2e that sharing avoided over the last twelve months, low / central / "
            "high, per category and for the pool, with every input, source key and estimate/assumption mark. "
            "Public: no member data.",
            json({"$ref": _REF + "ImpactStats"}), params=[query("category", _ID), query("pool_id", _ID)],
            public=True)},
    }
