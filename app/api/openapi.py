"""GET /openapi.json: the OpenAPI 3.1 description of this API, built from the same schemas that validate
requests. Links tie a created booking to reading and cancelling it, so stateful clients can follow them."""
from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api import schemas as s
from app.api.agreements_schemas import agreements_paths
from app.api.asset_photo_schemas import asset_photo_paths
from app.api.costs_schemas import costs_paths
from app.api.eligibility_schemas import eligibility_paths
from app.api.federation_schemas import federation_paths
from app.api.governance_schemas import governance_paths
from app.api.pools_schemas import pool_paths
from app.api.handover_schemas import handover_paths
from app.api.optimiser_schemas import optimiser_paths
from app.api.owners_schemas import owners_paths
from app.api.planning_schemas import planning_paths
from app.api.prices_schemas import prices_paths
from app.api.stats_schemas import stats_paths
from app.urls import external_root

REF = "#/components/schemas/"
PROBLEM = {"application/problem+json": {"schema": {"$ref": REF + "Problem"}}}
ERRORS = {code: {"description": text, "content": PROBLEM} for code, text in {
    "400": "Malformed request", "401": "Missing, unknown, revoked or expired token", "403": "Not allowed for this member",
    "404": "Not found (or not yours)", "409": "Conflict with the current state",
    "413": "The body, or the photo in it, is larger than this server accepts", "415": "Body is not JSON",
    "422": "The request breaks a rule or has a wrong field", "429": "Too many failed logins; wait"}.items()}
ID_PATH = {"type": "integer", "minimum": 1, "maximum": s.MAX_ID}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID_PATH}


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGING = [_query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]


def _op(op_id: str, summary: str, ok: dict, *, params=None, body=None, status="200", public=False, extra=None):
    operation = {"operationId": op_id, "summary": summary, "parameters": params or [],
                 "responses": {status: ok, **ERRORS}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if public:
        operation["security"] = []
    if extra:
        operation.update(extra)
    return operation


BOOKING_LINKS = {"links": {
    "GetBooking": {"operationId": "getBooking", "parameters": {"booking_id": "$response.body#/id"}},
    "CancelBooking": {"operationId": "cancelBooking", "parameters": {"booking_id": "$response.body#/id"}},
    "ApproveBooking": {"operationId": "approveBooking", "parameters": {"booking_id": "$response.body#/id"}},
}}
REQUEST_LINKS = {"links": {
    "GetRequest": {"operationId": "getRequest", "parameters": {"request_id": "$response.body#/id"}},
    "CancelRequest": {"operationId": "cancelRequest", "parameters": {"request_id": "$response.body#/id"}},
}}
ASSET_LINKS = {"links": {
    "GetAsset": {"operationId": "getAsset", "parameters": {"asset_id": "$response.body#/id"}},
    "AssetAvailability": {"operationId": "getAvailability", "parameters": {"asset_id": "$response.body#/id"}},
}}


def _with_links(response: dict, links: dict) -> dict:
    return {**response, **links}


def document(server_url: str) -> dict:
    booking = {"$ref": REF + "Booking"}
    paths = {
        "/tokens": {
            "post": _op("createToken", "Exchange email and password for a bearer token",
                        _json({"$ref": REF + "Token"}, "Created"), body=s.TOKEN_REQUEST, status="201", public=True),
            "get": _op("listTokens", "The caller's tokens", _json({"type": "object"})),
        },
        "/tokens/{token_id}": {"delete": _op("revokeToken", "Revoke one of the caller's tokens",
                                             {"description": "Revoked"}, params=[_path_id("token_id")], status="204")},
        "/me": {"get": _op("getMe", "The caller's profile and private calendar URL", _json({"$ref": REF + "Me"}))},
        "/hubs": {
            "get": _op("listHubs", "Hubs", _json(s.page_of(REF + "Hub")), params=PAGING),
            "post": _op("createHub", "Create a hub (coordinators)", _json({"$ref": REF + "Hub"}, "Created"),
                        body=s.HUB_CREATE, status="201"),
        },
        "/hubs/{hub_id}": {
            "get": _op("getHub", "One hub", _json({"$ref": REF + "Hub"}), params=[_path_id("hub_id")]),
            "patch": _op("updateHub", "Change a hub (coordinators)", _json({"$ref": REF + "Hub"}),
                         params=[_path_id("hub_id")], body=s.HUB_UPDATE),
        },
        "/hubs/{hub_id}/retire": {"post": _op("retireHub", "Retire a hub (coordinators)",
                                              _json({"$ref": REF + "Hub"}), params=[_path_id("hub_id")])},
        "/categories": {
            "get": _op("listCategories", "Categories and their booking rules", _json(s.page_of(REF + "Category")),
                       params=PAGING),
            "post": _op("createCategory", "Create a category (coordinators)",
                        _json({"$ref": REF + "Category"}, "Created"), body=s.CATEGORY_CREATE, status="201"),
        },
        "/categories/{category_id}": {
            "get": _op("getCategory", "One category", _json({"$ref": REF + "Category"}),
                       params=[_path_id("category_id")]),
            "patch": _op("updateCategory", "Change a category (coordinators)", _json({"$ref": REF + "Category"}),
                         params=[_path_id("category_id")], body=s.CATEGORY_UPDATE),
        },
        "/categories/{category_id}/names": {"put": _op(
            "setCategoryNames", "Set a category's name in each language (coordinators)",
            _json({"$ref": REF + "Category"}), params=[_path_id("category_id")], body=s.CATEGORY_NAMES)},
        "/categories/{category_id}/retire": {"post": _op(
            "retireCategory", "Retire a category (coordinators)", _json({"$ref": REF + "Category"}),
            params=[_path_id("category_id")])},
        "/assets": {
            "get": _op("listAssets", "Assets; with available_from and available_until only those free for the "
                       "whole range (a range that has passed is refused); nearest first with near. Capability filters: cap_<name>=<value> (numbers: at "
                       "least; booleans: true; text: equal). Partner installations' items are mixed in (remote: true, with the "
                       "partner's name), by distance, when the search asks nothing they cannot answer (no hub, "
                       "capability or type) and, over a range, only when free for all of it.",
                       _json(s.page_of(REF + "Asset", REF + "RemoteItem")),
                       params=[_query("category", ID_PATH), _query("hub", ID_PATH),
                               _query("near", {"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$"},
                                      "lat,lon"),
                               _query("lat", {"type": "number", "minimum": -90, "maximum": 90},
                                      "with lon, instead of near"),
                               _query("lon", {"type": "number", "minimum": -180, "maximum": 180},
                                      "with lat, instead of near"),
                               _query("radius_km", {"type": "number", "exclusiveMinimum": 0, "maximum": 40000}),
                               _query("available_from", s.DATETIME), _query("available_until", s.DATETIME),
                               _query("type", {"type": "array", "items": {"type": "string", "maxLength": 80},
                                               "maxItems": 20},
                                      "asset types, any of them (repeat the parameter); needs category")] + PAGING),
            "post": _op("createAsset", "Create an asset (coordinators)",
                        _with_links(_json({"$ref": REF + "Asset"}, "Created"), ASSET_LINKS), body=s.ASSET_CREATE,
                        status="201"),
        },
        "/assets/{asset_id}": {
            "get": _op("getAsset", "One asset", _json({"$ref": REF + "Asset"}), params=[_path_id("asset_id")]),
            "patch": _op("updateAsset", "Change an asset (coordinators)", _json({"$ref": REF + "Asset"}),
                         params=[_path_id("asset_id")], body=s.ASSET_UPDATE),
        },
        "/assets/{asset_id}/retire": {"post": _op("retireAsset", "Retire an asset (coordinators)",
                                                  _json({"$ref": REF + "Asset"}), params=[_path_id("asset_id")])},
        "/assets/{asset_id}/availability": {"get": _op(
            "getAvailability", "Free intervals of an asset between from and until (at most 92 days)",
            _json({"$ref": REF + "Availability"}),
            params=[_path_id("asset_id"), {**_query("from", s.DATETIME), "required": True},
                    {**_query("until", s.DATETIME), "required": True}])},
        "/assets/{asset_id}/maintenance": {
            "get": _op("listMaintenance", "Maintenance windows of an asset (coordinators)",
                       _json({"type": "object", "properties": {"items": {"type": "array",
                              "items": {"$ref": REF + "Maintenance"}}}}), params=[_path_id("asset_id")]),
            "post": _op("createMaintenance", "Add a maintenance window; the bookings it hits are listed, none "
                        "is cancelled (coordinators)", _json({"$ref": REF + "Maintenance"}, "Created"),
                        params=[_path_id("asset_id")], body=s.MAINTENANCE_REQUEST, status="201"),
        },
        "/maintenance/{window_id}": {"delete": _op("deleteMaintenance", "Delete a maintenance window (coordinators)",
                                                   {"description": "Deleted"}, params=[_path_id("window_id")],
                                                   status="204")},
        "/bookings": {
            "get": _op("listBookings", "The caller's bookings; coordinators may filter by any member",
                       _json(s.page_of(REF + "Booking")),
                       params=[_query("asset_id", ID_PATH), _query("member_id", ID_PATH),
                               _query("from", s.DATETIME), _query("until", s.DATETIME)] + PAGING),
            "post": _op("createBooking", "Book an asset for [start, end). Send an Idempotency-Key header to make "
                        "retries safe.", _with_links(_json(booking, "Created"), BOOKING_LINKS),
                        params=[{"name": "Idempotency-Key", "in": "header", "required": False,
                                 "schema": {"type": "string", "minLength": 1, "maxLength": 200}}],
                        body=s.BOOKING_REQUEST, status="201"),
        },
        "/requests": {
            "get": _op("listRequests", "The caller's flexible requests, newest first",
                       _json(s.page_of(REF + "FlexibleRequest")), params=PAGING),
            "post": _op("createRequest", "Ask flexibly: a category, requirements, a window and a duration. The "
                        "answer is an assigned booking or a place on the waitlist with the reason.",
                        _with_links(_json({"$ref": REF + "FlexibleRequest"}, "Created"), REQUEST_LINKS),
                        body=s.FLEXIBLE_REQUEST, status="201"),
        },
        "/requests/{request_id}": {"get": _op("getRequest", "One flexible request (yours, or any for coordinators)",
                                              _json({"$ref": REF + "FlexibleRequest"}),
                                              params=[_path_id("request_id")])},
        "/requests/{request_id}/cancel": {"post": _op(
            "cancelRequest", "Withdraw a request; an assigned one cancels its booking",
            _json({"$ref": REF + "FlexibleRequest"}), params=[_path_id("request_id")])},
        "/bookings/{booking_id}": {"get": _op("getBooking", "One booking (yours, or any for coordinators)",
                                              _json(booking), params=[_path_id("booking_id")])},
        "/bookings/{booking_id}/cancel": {"post": _op("cancelBooking", "Cancel a booking that has not started",
                                                      _json(booking), params=[_path_id("booking_id")])},
        "/bookings/{booking_id}/approve": {"post": _op(
            "approveBooking", "Approve a pending booking (coordinators)", _json(booking),
            params=[_path_id("booking_id")],
            extra={"requestBody": {"required": False,
                                   "content": {"application/json": {"schema": s.DECISION_REQUEST}}}})},
        "/bookings/{booking_id}/reject": {"post": _op(
            "rejectBooking", "Reject a pending booking (coordinators)", _json(booking),
            params=[_path_id("booking_id")],
            extra={"requestBody": {"required": False,
                                   "content": {"application/json": {"schema": s.DECISION_REQUEST}}}})},
    }
    paths.update(stats_paths(_op, _json, _query))
    paths.update(handover_paths(_op, _json, _query))
    paths.update(costs_paths(_op, _json, _query))
    paths.update(planning_paths(_op, _json, _query, _path_id))
    paths.update(optimiser_paths(_op, _json, _query, _path_id))
    paths.update(governance_paths(_op, _json, _query, _path_id))
    paths.update(pool_paths(_op, _json, _query, _path_id))
    paths.update(asset_photo_paths(_op, _json))
    paths.update(owners_paths(_op, _json, _query, _path_id))
    paths.update(prices_paths(_op, _json, _query, _path_id))
    paths.update(eligibility_paths(_op, _json, _query, _path_id))
    paths.update(federation_paths(_op, _json, _query, _path_id))
    paths.update(agreements_paths(_op, _json, _query, _path_id))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Commonpool API", "version": "1.0.0",
                 "description": "Book and manage a community's shared tools, machines and vehicles. Datetimes are "
                                "RFC 3339 with an offset; errors are RFC 9457 problem details.",
                 "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": s.RESPONSES,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


_QUERY_CACHE: dict[tuple[str, str], dict[str, bool]] = {}


def query_parameters(flask_rule: str, method: str) -> dict[str, bool]:
    """The documented query parameters of an operation, by its Flask rule ('/api/v1/assets/<id:asset_id>')."""
    key = (flask_rule, method)
    if key not in _QUERY_CACHE:
        import re

        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", flask_rule[len(bp.url_prefix):])
        operation = document("").get("paths", {}).get(path, {}).get(method.lower(), {})
        names = {p["name"]: True for p in operation.get("parameters", []) if p["in"] == "query"}
        if operation.get("operationId") == "listAssets":
            names["cap_*"] = True  # capability filters: cap_<name>, documented in the description
        _QUERY_CACHE[key] = names
    return _QUERY_CACHE[key]


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document(external_root() + bp.url_prefix))
