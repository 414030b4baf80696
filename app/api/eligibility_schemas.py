"""The published shapes of the who-may-book-what endpoints (qualifications, grants, each category's required
qualifications and fair-use limits, approval of new accounts) and their operations for the OpenAPI document
(merged into schemas.RESPONSES and openapi.document's paths)."""
from __future__ import annotations

from app.api.schema_paging import page_of, paging_params

_MAX = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_DATETIME = {"type": "string", "format": "date-time"}
_DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD; null: no expiry"}
_REF = "#/components/schemas/"
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}


def _limit(most: int, what: str) -> dict:
    return {"type": ["integer", "null"], "minimum": 1, "maximum": most, "description": f"{what}; null: no limit"}


QUALIFICATION_REQUEST = {"type": "object", "additionalProperties": False, "required": ["name"],
                         "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 120},
                                        "how_to_get": {"type": "string", "maxLength": 1000,
                                                       "description": "Shown to members who lack it"}}}
QUALIFICATION_UPDATE = {**QUALIFICATION_REQUEST, "required": []}
GRANT_REQUEST = {"type": "object", "additionalProperties": False, "required": ["member_id", "qualification_id"],
                 "properties": {"member_id": _ID, "qualification_id": _ID, "expires_on": _DATE_OR_NULL}}
CATEGORY_RULES_REQUEST = {
    "type": "object", "additionalProperties": False,
    "required": ["qualification_ids", "max_at_once", "max_hours_per_week", "max_bookings_per_week"],
    "properties": {
        "qualification_ids": {"type": "array", "items": _ID, "maxItems": 50, "uniqueItems": True,
                              "description": "Every one of them is required"},
        "max_at_once": _limit(100, "Bookings one member may hold at the same time"),
        "max_hours_per_week": _limit(168, "Hours one member may book per calendar week (hub's zone)"),
        "max_bookings_per_week": _limit(500, "Bookings one member may make per calendar week (hub's zone)")}}
ACCESS_SETTINGS_REQUEST = {"type": "object", "additionalProperties": False, "required": ["approve_new_accounts"],
                           "properties": {"approve_new_accounts": {
                               "type": "boolean",
                               "description": "A coordinator approves each new account before its first booking"}}}

_QUALIFICATION = {"type": "object", "required": ["id", "name", "how_to_get"],
                  "properties": {"id": _ID, "name": {"type": "string"}, "how_to_get": {"type": "string"}}}
ELIGIBILITY_RESPONSES = {
    "Qualification": _QUALIFICATION,
    "QualificationGrant": {
        "type": "object",
        "required": ["id", "member_id", "member_name", "qualification_id", "qualification_name", "expires_on",
                     "granted_at", "revoked_at", "valid_today"],
        "properties": {"id": _ID, "member_id": _ID, "member_name": {"type": "string"}, "qualification_id": _ID,
                       "qualification_name": {"type": "string"}, "expires_on": _DATE_OR_NULL,
                       "granted_at": _DATETIME, "revoked_at": _DATETIME_OR_NULL,
                       "valid_today": {"type": "boolean"}}},
    "CategoryEligibility": {
        "type": "object",
        "required": ["category_id", "qualifications", "max_at_once", "max_hours_per_week", "max_bookings_per_week"],
        "properties": {"category_id": _ID, "qualifications": {"type": "array", "items": _QUALIFICATION},
                       "max_at_once": CATEGORY_RULES_REQUEST["properties"]["max_at_once"],
                       "max_hours_per_week": CATEGORY_RULES_REQUEST["properties"]["max_hours_per_week"],
                       "max_bookings_per_week": CATEGORY_RULES_REQUEST["properties"]["max_bookings_per_week"]}},
    "AccessSettings": {"type": "object", "required": ["approve_new_accounts"],
                       "properties": ACCESS_SETTINGS_REQUEST["properties"]},
    "AccountApproval": {"type": "object", "required": ["id", "name", "email", "created_at", "approved_at"],
                        "properties": {"id": _ID, "name": {"type": "string"}, "email": {"type": "string"},
                                       "created_at": _DATETIME, "approved_at": _DATETIME_OR_NULL}},
    "MyEligibility": {"type": "object", "required": ["awaiting_approval", "qualifications"],
                      "properties": {"awaiting_approval": {"type": "boolean"},
                                     "qualifications": {"type": "array", "items": {
                                         "type": "object", "required": ["name", "expires_on", "revoked", "valid"],
                                         "properties": {"name": {"type": "string"}, "expires_on": _DATE_OR_NULL,
                                                        "revoked": {"type": "boolean"},
                                                        "valid": {"type": "boolean"}}}}}},
}


def eligibility_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = paging_params(query)

    qualification = {"$ref": _REF + "Qualification"}
    grant = {"$ref": _REF + "QualificationGrant"}
    rules = {"$ref": _REF + "CategoryEligibility"}
    return {
        "/qualifications": {
            "get": op("listQualifications", "Qualifications and how to get them (members)",
                      json(page_of("Qualification")), params=paging),
            "post": op("createQualification", "Add a qualification (coordinators). Send an Idempotency-Key "
                       "header to make retries safe.", json(qualification, "Created"), params=[_IDEMPOTENCY],
                       body=QUALIFICATION_REQUEST, status="201"),
        },
        "/qualifications/{qualification_id}": {
            "get": op("getQualification", "One qualification (coordinators)", json(qualification),
                      params=[path_id("qualification_id")]),
            "patch": op("updateQualification", "Rename a qualification or change how to get it (coordinators)",
                        json(qualification), params=[path_id("qualification_id")], body=QUALIFICATION_UPDATE),
        },
        "/qualification-grants": {
            "get": op("listQualificationGrants", "Who holds which qualification (coordinators)",
                      json(page_of("QualificationGrant")), params=[query("member_id", _ID)] + paging),
            "post": op("grantQualification", "Grant or renew a member's qualification, optionally until a date "
                       "(coordinators)", json(grant, "Created"), params=[_IDEMPOTENCY], body=GRANT_REQUEST,
                       status="201"),
        },
        "/qualification-grants/{grant_id}/revoke": {"post": op(
            "revokeQualificationGrant", "Revoke a grant; bookings already made are kept (coordinators)", json(grant),
            params=[path_id("grant_id"), _IDEMPOTENCY])},
        "/categories/{category_id}/eligibility": {
            "get": op("getCategoryEligibility", "Who may book a category: required qualifications and fair-use "
                      "limits per member (members)", json(rules), params=[path_id("category_id")]),
            "put": op("setCategoryEligibility", "Replace a category's required qualifications and limits; they hold "
                      "for every booking made or moved from now on, in every path (coordinators)", json(rules),
                      params=[path_id("category_id")], body=CATEGORY_RULES_REQUEST),
        },
        "/access-settings": {
            "get": op("getAccessSettings", "Whether new accounts wait for approval (coordinators)",
                      json({"$ref": _REF + "AccessSettings"})),
            "put": op("setAccessSettings", "Turn the approval of new accounts on or off (coordinators)",
                      json({"$ref": _REF + "AccessSettings"}), body=ACCESS_SETTINGS_REQUEST),
        },
        "/accounts/waiting": {"get": op("listWaitingAccounts", "Accounts waiting for approval, oldest first "
                                        "(coordinators)", json(page_of("AccountApproval")), params=paging)},
        "/accounts/{account_id}/approve": {"post": op(
            "approveAccount", "Approve an account waiting for approval (its member's id): it can book from now on "
            "(coordinators)", json({"$ref": _REF + "AccountApproval"}), params=[path_id("account_id"), _IDEMPOTENCY])},
        "/me/eligibility": {"get": op("getMyEligibility", "The caller's qualifications and whether their account "
                                      "still waits for approval", json({"$ref": _REF + "MyEligibility"}))},
    }
