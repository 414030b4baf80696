"""The published shapes of the fleet-planning endpoints (a planning run and its report) and their operations for
the OpenAPI document (merged into schemas.RESPONSES and openapi.document's paths).

A plan is computed by a background job: POST answers 202 at once with the run queued and its URL in Location;
GET that URL until `status` is finished (the report is then in `report`) or failed (`error` says why)."""
from __future__ import annotations

MAX_PERIOD_DAYS = 90      # equal to fleet.reporting.fleet_plans's (a test keeps them equal)
MAX_TIME_LIMIT = 120      # seconds; equal to fleet.reporting.fleet_plans's
DEFAULT_DAYS = 28
DEFAULT_TIME_LIMIT = 30

_MAX_ID = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX_ID}
_DATETIME = {"type": "string", "format": "date-time"}
_NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_NUM = {"type": "number"}
_NUM_OR_NULL = {"type": ["number", "null"]}
_TEXT = {"type": "string"}
_REF = "#/components/schemas/"
STATUSES = ["queued", "running", "finished", "failed"]

PLANNING_RUN_REQUEST = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "pool_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                    "description": "The pool whose fleet it plans; by default the caller's only pool"},
        "days": {"type": "integer", "minimum": 1, "maximum": MAX_PERIOD_DAYS, "default": DEFAULT_DAYS,
                 "description": "Plan on the demand recorded over the last this many days"},
        "time_limit_seconds": {"type": "number", "minimum": 1, "maximum": MAX_TIME_LIMIT,
                               "default": DEFAULT_TIME_LIMIT,
                               "description": "Bounds the whole computation; candidates left when it is up are "
                                              "reported as not evaluated"},
    },
}

# Before and after a change: the same solve's figures (scheduling.fleet_plan.Outcome.evidence).
_EVIDENCE = {"type": ["object", "null"], "required": ["status", "served", "requests", "weighted_served_hours"],
             "properties": {"status": _TEXT, "served": {"type": "integer"}, "requests": {"type": "integer"},
                            "weighted_served_hours": _NUM, "upper_bound_weighted_hours": _NUM_OR_NULL}}
_BAND = {"type": "object", "required": ["low", "central", "high"],
         "properties": {"low": _NUM, "central": _NUM, "high": _NUM}}
_IMPACT = {"type": "object", "required": ["label", "impact", "purchase_cost"],
           "properties": {
               "label": {**_TEXT, "description": "What the figures are, in English"},
               "impact": {"oneOf": [{"type": "null"}, {
                   "type": "object", "required": ["units", "material_kg", "energy_mj", "energy_kwh", "co2e_kg"],
                   "properties": {"units": {"type": "integer"}, "factor": _TEXT,
                                  "sources": {"type": "array", "items": _TEXT}, "material_kg": _BAND,
                                  "energy_mj": _BAND, "energy_kwh": _BAND, "co2e_kg": _BAND}}],
                   "description": "Embodied material, energy and CO2e (low / central / high); null where the "
                                  "category has no impact factors or nothing is embodied"},
               "purchase_cost": {"type": "array", "items": {"$ref": _REF + "Amount"}}}}
_EVALUATED = {**_TEXT, "description": "solve, idle in the plan, no unserved demand, or not evaluated: time limit"}
_ACQUISITION = {"type": "object", "required": ["category", "hub", "template", "before", "after", "gain_weighted_hours",
                                               "evaluated"],
                "properties": {"category": _TEXT, "hub": _TEXT, "template": _TEXT, "type": {"type": ["string", "null"]},
                               "capabilities": {"type": "object"},
                               "before": _EVIDENCE, "after": _EVIDENCE, "gain_weighted_hours": _NUM_OR_NULL,
                               "evaluated": _EVALUATED, "impact": _IMPACT}}

PLANNING_RESPONSES = {
    "PlanningReport": {
        "type": "object",
        "description": "The planner's report (`python -m scheduling plan`) with names for its ids and each "
                       "recommendation in impact units. Ids are database ids as text.",
        "required": ["version", "wall_seconds", "solves", "categories", "best_acquisition", "acquisitions",
                     "retirements", "moves", "not_evaluated", "names"],
        "properties": {
            "version": {"type": "integer"}, "time_limit_seconds": _NUM, "wall_seconds": _NUM,
            "solves": {"type": "integer"},
            "horizon": {"type": "object", "required": ["start", "end"],
                        "properties": {"start": _TEXT, "end": _TEXT}},
            "categories": {"type": "array", "items": {
                "type": "object", "required": ["category", "assets", "demand", "base"],
                "properties": {"category": _TEXT, "assets": {"type": "integer"}, "demand": {"type": "object"},
                               "base": _EVIDENCE, "note": _TEXT, "asset_hours": {"type": "object"},
                               "fewest": {"type": ["object", "null"]}, "surplus_impact": _IMPACT}}},
            "best_acquisition": {"oneOf": [{"type": "null"}, _ACQUISITION]},
            "acquisitions": {"type": "array", "items": _ACQUISITION},
            "retirements": {"type": "array", "items": {
                "type": "object", "required": ["asset", "category", "hub", "before", "after", "loss_weighted_hours",
                                               "evaluated"],
                "properties": {"asset": _TEXT, "category": _TEXT, "hub": _TEXT, "before": _EVIDENCE,
                               "after": _EVIDENCE, "loss_weighted_hours": _NUM_OR_NULL, "evaluated": _EVALUATED,
                               "impact": _IMPACT}}},
            "moves": {"type": "array", "items": {
                "type": "object", "required": ["asset", "category", "from", "to", "before", "after",
                                               "gain_weighted_hours", "evaluated"],
                "properties": {"asset": _TEXT, "category": _TEXT, "from": _TEXT, "to": _TEXT, "before": _EVIDENCE,
                               "after": _EVIDENCE, "gain_weighted_hours": _NUM_OR_NULL, "evaluated": _EVALUATED,
                               "impact": _IMPACT}}},
            "moves_evaluated": {"type": "integer"}, "not_evaluated": {"type": "integer"},
            "names": {"type": "object", "required": ["categories", "hubs", "assets"],
                      "properties": {name: {"type": "object", "additionalProperties": _TEXT}
                                     for name in ("categories", "hubs", "assets")}},
        }},
    "PlanningRun": {
        "type": "object",
        "required": ["id", "status", "progress", "error", "created_at", "finished_at", "started_by_id",
                     "period_start", "period_end", "time_limit_seconds", "wall_seconds", "requests_count",
                     "assets_count", "stalled"],
        "properties": {
            "id": _ID,
            "status": {"type": "string", "enum": STATUSES},
            "stalled": {"type": "boolean", "description": "Still queued or running 10 minutes past its time "
                                                          "limit: its job most likely ended (a killed worker, a "
                                                          "restart); start a new run"},
            "progress": {**_TEXT, "description": "Where the computation is, in English"},
            "error": {**_TEXT, "description": "Why a failed run failed; empty otherwise"},
            "created_at": _DATETIME, "finished_at": _NULLABLE_DATETIME,
            "started_by_id": {"type": ["integer", "null"]},
            "period_start": {**_DATETIME, "description": "The demand period; once finished, as the planner used it "
                                                         "(on the 15-minute grid, grown to hold bookings that "
                                                         "overlap it)"},
            "period_end": _DATETIME, "time_limit_seconds": _NUM, "wall_seconds": _NUM,
            "requests_count": {"type": "integer", "description": "Bookings and requests in the demand (0 until "
                                                                 "it was read)"},
            "assets_count": {"type": "integer"},
            "report": {"oneOf": [{"type": "null"}, {"$ref": _REF + "PlanningReport"}],
                       "description": "Only when reading one run: the report once finished, else null"},
        }},
}


def planning_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = [query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
              query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]
    run = {"$ref": _REF + "PlanningRun"}
    created = {**json(run, "Accepted: the run is stored queued and computed in the background; GET Location "
                           "until its status is finished or failed"),
               "headers": {"Location": {"required": True, "description": "The run's URL",
                                        "schema": {"type": "string"}}},
               "links": {"GetPlanningRun": {"operationId": "getPlanningRun",
                                            "parameters": {"run_id": "$response.body#/id"}}}}
    return {
        "/planning-runs": {
            "get": op("listPlanningRuns", "Fleet plans, newest first, without their reports (coordinators)",
                      json({"type": "object", "required": ["items", "page", "per_page", "total"],
                            "properties": {"items": {"type": "array", "items": run},
                                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                           "total": {"type": "integer"}}}),
                      params=[query("status", {"type": "string", "enum": STATUSES})] + paging),
            "post": op("createPlanningRun",
                       "Ask for a fleet plan on the recorded demand: what to buy next, move or retire (coordinators). "
                       "Answers at once; the plan is computed in the background. Send an Idempotency-Key header "
                       "to make retries safe.", created,
                       params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
                       body=PLANNING_RUN_REQUEST, status="202"),
        },
        "/planning-runs/{run_id}": {"get": op(
            "getPlanningRun", "One fleet plan: its status and progress, and its report once finished (coordinators)",
            json(run), params=[path_id("run_id")])},
    }
