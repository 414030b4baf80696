"""JSON Schemas of pools in the API: a pool named inside other objects, and the pool administration."""
from __future__ import annotations

from app.api.schema_paging import page_of, paging_params

POOL_SUMMARY = {"type": "object", "required": ["id", "slug", "name"], "description": "The pool it belongs to",
                "properties": {"id": {"type": "integer", "minimum": 1}, "slug": {"type": "string"},
                               "name": {"type": "string"}}}

_MAX = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_REF = "#/components/schemas/"
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
_FIELDS = {"name": {"type": "string", "minLength": 1, "maxLength": 120},
           "description": {"type": "string", "maxLength": 2000},
           "public": {"type": "boolean", "description": "Visitors who are not members search its catalogue"}}
POOL_CREATE = {"type": "object", "additionalProperties": False, "required": ["slug", "name"],
               "properties": {"slug": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$",
                                       "description": "Short name: lower-case letters, digits, hyphens"},
                              **_FIELDS}}
POOL_UPDATE = {"type": "object", "additionalProperties": False, "properties": _FIELDS}
MEMBERSHIP_REQUEST = {"type": "object", "additionalProperties": False, "required": ["role"],
                      "properties": {"role": {"type": "string", "enum": ["member", "coordinator"]}}}

POOL_RESPONSES = {
    "Pool": {"type": "object", "required": ["id", "slug", "name", "description", "public", "my_role"],
             "properties": {"id": _ID, "slug": {"type": "string"}, "name": {"type": "string"},
                            "description": {"type": "string"}, "public": {"type": "boolean"},
                            "my_role": {"type": ["string", "null"], "enum": ["member", "coordinator", "admin", None],
                                        "description": "The caller's role in the pool"}}},
    "PoolMembership": {"type": "object", "required": ["pool_id", "member_id", "name", "email", "role"],
                       "properties": {"pool_id": _ID, "member_id": _ID, "name": {"type": "string"},
                                      "email": {"type": "string"},
                                      "role": {"type": "string", "enum": ["member", "coordinator"]}}},
}


def pool_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = paging_params(query)

    pool = {"$ref": _REF + "Pool"}
    return {
        "/pools": {
            "get": op("listPools", "The pools the caller belongs to (the administrator: every pool)",
                      json(page_of("Pool")), params=paging),
            "post": op("createPool", "Make a pool (the administrator)", json(pool, "Created"),
                       params=[_IDEMPOTENCY], body=POOL_CREATE, status="201"),
        },
        "/pools/{pool_id}": {
            "get": op("getPool", "One of the caller's pools", json(pool), params=[path_id("pool_id")]),
            "patch": op("updatePool", "Change a pool's name, description or visibility (its coordinators, the "
                        "administrator)", json(pool), params=[path_id("pool_id")], body=POOL_UPDATE),
        },
        "/pools/{pool_id}/members": {
            "get": op("listPoolMembers", "Who belongs to the pool (its coordinators, the administrator)",
                      json(page_of("PoolMembership")), params=[path_id("pool_id")] + paging),
        },
        "/pools/{pool_id}/members/{member_id}": {
            "put": op("setPoolMembership", "Add a member to the pool or set their role there (its coordinators, "
                      "the administrator)", json({"$ref": _REF + "PoolMembership"}),
                      params=[path_id("pool_id"), path_id("member_id")], body=MEMBERSHIP_REQUEST),
            "delete": op("removePoolMembership", "Take a member out of the pool", {"description": "Removed"},
                         params=[path_id("pool_id"), path_id("member_id")], status="204"),
        },
    }
