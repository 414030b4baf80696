"""The published shapes of the optimiser-run endpoints (a run, its figures and who gets what) and their
operations for the OpenAPI document (merged into schemas.RESPONSES and openapi.document's paths).

A run is computed by a background job: POST answers 202 with the run queued and its URL in Location; GET it
until `status` is preview (or failed); then apply or discard it, as the coordinator's page does."""
from __future__ import annotations

MAX_HORIZON_DAYS = 90  # equal to fleet.allocation.optimiser_runs's (a test keeps them equal)
DEFAULT_HORIZON_DAYS = 14
DEFAULT_TIME_LIMIT = 30
STATUSES = ["queued", "running", "preview", "applied", "discarded", "failed"]
CHANGES = ["gained", "lost", "moved", "same", "unserved"]

_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_DATETIME = {"type": "string", "format": "date-time"}
_NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_NUM = {"type": "number"}
_INT = {"type": "integer"}
_TEXT = {"type": "string"}
_REF = "#/components/schemas/"

OPTIMISER_RUN_REQUEST = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "pool_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                    "description": "The pool whose requests it places; by default the caller's only pool"},
        "horizon_days": {"type": "integer", "minimum": 1, "maximum": MAX_HORIZON_DAYS,
                         "default": DEFAULT_HORIZON_DAYS,
                         "description": "Place the waitlisted requests whose windows fall in the next this many days"},
        "time_limit_seconds": {"type": "number", "minimum": 1, "maximum": 600, "default": DEFAULT_TIME_LIMIT},
        "method": {"type": "string", "enum": ["cpsat", "greedy"], "default": "cpsat"},
    },
}

_PLACEMENT = {"type": ["object", "null"], "required": ["asset_id", "asset_name", "hub_name", "start", "end"],
              "properties": {"asset_id": _ID, "asset_name": _TEXT, "hub_name": _TEXT, "start": _DATETIME,
                             "end": _DATETIME, "distance_km": {"type": ["number", "null"]}}}

OPTIMISER_RESPONSES = {
    "OptimiserRunRequest": {
        "type": "object",
        "required": ["request_id", "member_id", "member_name", "category_id", "types", "earliest_start",
                     "latest_end", "duration_minutes", "assignment", "fcfs_assignment", "change"],
        "properties": {
            "request_id": _ID, "member_id": _ID, "member_name": _TEXT, "category_id": _ID, "category_name": _TEXT,
            "types": {"type": "array", "items": _TEXT}, "earliest_start": _DATETIME, "latest_end": _DATETIME,
            "duration_minutes": _INT,
            "assignment": {**_PLACEMENT, "description": "What this run gives the request; null: not served"},
            "fcfs_assignment": {**_PLACEMENT, "description": "What first come, first served would give it"},
            "change": {"type": ["string", "null"], "enum": CHANGES + [None],
                       "description": "gained: served here, not by first come, first served; lost: the reverse; "
                                      "moved: another asset or time; same; unserved: by neither. null for runs "
                                      "that kept no first-come-first-served solution"},
        }},
    "OptimiserRun": {
        "type": "object",
        "required": ["id", "status", "progress", "error", "created_at", "horizon_start", "horizon_end", "method",
                     "time_limit_seconds", "stalled", "figures"],
        "properties": {
            "id": _ID, "status": {"type": "string", "enum": STATUSES},
            "stalled": {"type": "boolean"},
            "progress": {**_TEXT, "description": "Where the run is, in English"}, "error": _TEXT,
            "created_at": _DATETIME, "finished_at": _NULLABLE_DATETIME, "applied_at": _NULLABLE_DATETIME,
            "started_by_id": {"type": ["integer", "null"]}, "horizon_start": _DATETIME, "horizon_end": _DATETIME,
            "method": _TEXT, "time_limit_seconds": _NUM, "solver_status": _TEXT,
            "figures": {"type": "object", "required": ["requests", "served", "fcfs_served"], "properties": {
                "requests": _INT, "assets": _INT, "fixed_bookings": _INT, "served": _INT, "served_hours": _NUM,
                "weighted_hours": _NUM, "bound_weighted_hours": {"type": ["number", "null"]},
                "distance_km": _NUM, "fcfs_served": _INT, "fcfs_served_hours": _NUM, "fcfs_weighted_hours": _NUM,
                "fcfs_distance_km": _NUM, "wall_seconds": _NUM, "applied": _INT, "lost_meanwhile": _INT}},
            "changes": {"type": "object", "additionalProperties": _INT,
                        "description": "How many requests fare how against first come, first served"},
            "requests": {"type": "array", "items": {"$ref": _REF + "OptimiserRunRequest"},
                         "description": "Only when reading one run: who gets what"},
        }},
}


def optimiser_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = [query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
              query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]
    run = {"$ref": _REF + "OptimiserRun"}
    key = [{"name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 200}}]
    created = {**json(run, "Accepted: the run is stored queued and computed in the background; GET Location "
                           "until its status is preview or failed"),
               "headers": {"Location": {"required": True, "description": "The run's URL",
                                        "schema": {"type": "string"}}},
               "links": {"GetOptimiserRun": {"operationId": "getOptimiserRun",
                                             "parameters": {"run_id": "$response.body#/id"}}}}
    filters = [query("change", {"type": "string", "enum": CHANGES}),
               query("category", {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})]
    return {
        "/optimiser-runs": {
            "get": op("listOptimiserRuns", "Optimiser runs, newest first, without their requests (coordinators)",
                      json({"type": "object", "required": ["items", "page", "per_page", "total"],
                            "properties": {"items": {"type": "array", "items": run},
                                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                           "total": {"type": "integer"}}}), params=paging),
            "post": op("createOptimiserRun",
                       "Start an optimiser run over the waitlisted requests (coordinators). Answers at once; the run "
                       "is computed in the background and waits as a preview. Send an Idempotency-Key header to "
                       "make retries safe.", created, params=key, body=OPTIMISER_RUN_REQUEST, status="202"),
        },
        "/optimiser-runs/{run_id}": {"get": op(
            "getOptimiserRun", "One optimiser run: its figures against first come, first served and who gets what "
                               "(filter with change and category) (coordinators)",
            json(run), params=[path_id("run_id")] + filters)},
        "/optimiser-runs/{run_id}/apply": {"post": op(
            "applyOptimiserRun", "Book a preview's assignments that still hold; a request that lost its slot "
                                 "meanwhile is solved again (coordinators)", json(run),
            params=[path_id("run_id")] + key)},
        "/optimiser-runs/{run_id}/discard": {"post": op(
            "discardOptimiserRun", "Discard a preview: nothing is booked (coordinators)", json(run),
            params=[path_id("run_id")] + key)},
    }
