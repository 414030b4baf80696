"""The published shapes of the governance endpoints (proposals, votes, comments, decisions, the decision rules)
and their operations for the OpenAPI document (merged into schemas.RESPONSES and openapi.document's paths).
A secret ballot is secret here too: a proposal carries its counts once closed and the caller's own vote, never
anyone else's; `votes` lists names only for a closed public vote."""
from __future__ import annotations

from app.api.schema_paging import page_of, paging_params

from app.api.pools_schemas import POOL_SUMMARY

_MAX = 2**31 - 1
_ID = {"type": "integer", "minimum": 1, "maximum": _MAX}
_ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": _MAX}
_DATETIME = {"type": "string", "format": "date-time"}
_DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. EUR"}
_MINOR = {"type": "integer", "minimum": 0, "maximum": _MAX, "description": "Minor units (cents); never a float"}
_MINOR_OR_NULL = {"type": ["integer", "null"], "minimum": 0, "maximum": _MAX}
_REF = "#/components/schemas/"
KINDS = ["acquire", "retire", "move", "rule_change", "free_text"]
STATUSES = ["open", "passed", "rejected", "withdrawn", "applied"]
CHOICES = ["yes", "no", "abstain"]
METHODS = ["majority", "two_thirds", "consent"]
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200}}

_RULES_CHANGE = {"type": "object", "additionalProperties": False, "properties": {
    "min_duration_minutes": {"type": "integer", "minimum": 1, "maximum": 366 * 1440},
    "max_duration_minutes": {"type": "integer", "minimum": 1, "maximum": 366 * 1440},
    "min_notice_minutes": {"type": "integer", "minimum": 0, "maximum": 60 * 1440},
    "max_advance_days": {"type": "integer", "minimum": 1, "maximum": 3 * 366},
    "weekly_quota_hours": {"type": ["integer", "null"], "minimum": 1, "maximum": 168},
    "no_show_grace_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 7 * 1440},
    "approval_required": {"type": "boolean"}}}
_FEE_CHANGE = {"type": "object", "additionalProperties": False,
               "properties": {"per_hour_minor": _MINOR_OR_NULL, "per_km_minor": _MINOR_OR_NULL,
                              "currency": _CURRENCY}}
CHANGE = {"type": "object", "additionalProperties": False,
          "description": "A rule change: the category's booking rules and usage fee as they would be",
          "properties": {"rules": _RULES_CHANGE, "fee": _FEE_CHANGE}}

PROPOSAL_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["kind", "title"],
    "properties": {
        "kind": {"type": "string", "enum": KINDS},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "body": {"type": "string", "maxLength": 10000},
        "hub_id": {**_ID, "description": "free_text: the affected hub, if any"},
        "asset_id": {**_ID, "description": "retire, move: the asset"},
        "category_id": {**_ID, "description": "acquire, rule_change: the category"},
        "target_hub_id": {**_ID, "description": "acquire, move: where it goes"},
        "amount_minor": {**_MINOR, "description": "acquire: the estimated cost"},
        "currency": _CURRENCY,
        "change": CHANGE,
        "pool_id": {**_ID, "description": "the pool it is put to; by default the pool of its asset, category or "
                                          "hub, else the caller's only pool"},
    },
}
VOTE_REQUEST = {"type": "object", "additionalProperties": False, "required": ["choice"],
                "properties": {"choice": {"type": "string", "enum": CHOICES},
                               "reason": {"type": "string", "maxLength": 1000,
                                          "description": "Needed for a no (an objection) under consent"}}}
COMMENT_REQUEST = {"type": "object", "additionalProperties": False, "required": ["body"],
                   "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 5000}}}
FROM_PLAN_REQUEST = {"type": "object", "additionalProperties": False, "required": ["section", "index"],
                     "properties": {"section": {"type": "string", "enum": ["acquisition", "retirement", "move"]},
                                    "index": {"type": "integer", "minimum": 0, "maximum": 100000,
                                              "description": "The recommendation's place in the report's list"}}}
RULES_REQUEST = {"type": "object", "additionalProperties": False,
                 "required": ["method", "quorum_percent", "electorate", "public_votes", "period_days"],
                 "properties": {"method": {"type": "string", "enum": METHODS},
                                "quorum_percent": {"type": "integer", "minimum": 0, "maximum": 100},
                                "electorate": {"type": "string", "enum": ["all", "hub"]},
                                "public_votes": {"type": "boolean"},
                                "period_days": {"type": "integer", "minimum": 1, "maximum": 90},
                                "pool_id": {**_ID, "description": "the pool whose rules these are; by default "
                                                                  "the caller's only pool"}}}

_BALLOT = {"type": ["array", "null"], "description": "Who voted what: only for a closed public vote",
           "items": {"type": "object", "required": ["name", "choice"],
                     "properties": {"name": {"type": "string"}, "choice": {"type": "string", "enum": CHOICES}}}}
_RESULT = {"type": ["object", "null"], "description": "Null while open",
           "required": ["yes", "no", "abstain", "turnout", "turnout_percent", "quorum_met", "passed"],
           "properties": {"yes": {"type": "integer"}, "no": {"type": "integer"}, "abstain": {"type": "integer"},
                          "turnout": {"type": "integer"}, "turnout_percent": {"type": ["integer", "null"]},
                          "quorum_met": {"type": "boolean"}, "passed": {"type": "boolean"}}}

GOVERNANCE_RESPONSES = {
    "Proposal": {
        "type": "object",
        "required": ["id", "pool", "kind", "title", "body", "status", "mine", "hub_id", "asset_id", "category_id",
                     "target_hub_id", "amount_minor", "currency", "change", "evidence", "planning_run_id", "method",
                     "quorum_percent", "electorate", "public_votes", "eligible_count", "opened_at", "closes_at",
                     "closed_at", "voted", "may_vote", "my_vote", "result", "votes", "applied_at"],
        "properties": {
            "id": _ID, "pool": POOL_SUMMARY, "kind": {"type": "string", "enum": KINDS}, "title": {"type": "string"},
            "body": {"type": "string"}, "status": {"type": "string", "enum": STATUSES},
            "mine": {"type": "boolean", "description": "Whether the caller opened it (members are not named)"},
            "hub_id": _ID_OR_NULL, "asset_id": _ID_OR_NULL, "category_id": _ID_OR_NULL,
            "target_hub_id": _ID_OR_NULL, "amount_minor": _MINOR_OR_NULL,
            "currency": {"type": ["string", "null"]}, "change": {"type": ["object", "null"]},
            "evidence": {"type": ["object", "null"], "description": "The fleet plan's facts: unmet demand, "
                                                                   "utilisation, cost per hour, impact band"},
            "planning_run_id": _ID_OR_NULL, "method": {"type": "string", "enum": METHODS},
            "quorum_percent": {"type": "integer"}, "electorate": {"type": "string", "enum": ["all", "hub"]},
            "public_votes": {"type": "boolean"},
            "eligible_count": {"type": "integer", "description": "Members eligible when it opened"},
            "opened_at": _DATETIME, "closes_at": _DATETIME, "closed_at": _DATETIME_OR_NULL,
            "voted": {"type": "integer", "description": "How many eligible members have voted (turnout)"},
            "may_vote": {"type": "boolean", "description": "Whether the caller may vote now"},
            "my_vote": {"type": ["object", "null"], "required": ["choice", "reason", "changed_at"],
                        "properties": {"choice": {"type": "string", "enum": CHOICES}, "reason": {"type": "string"},
                                       "changed_at": _DATETIME}},
            "result": _RESULT, "votes": _BALLOT, "applied_at": _DATETIME_OR_NULL}},
    "Vote": {"type": "object", "required": ["proposal_id", "choice", "reason", "changed_at"],
             "properties": {"proposal_id": _ID, "choice": {"type": "string", "enum": CHOICES},
                            "reason": {"type": "string"}, "changed_at": _DATETIME}},
    "Comment": {"type": "object", "required": ["id", "proposal_id", "mine", "author", "body", "created_at",
                                               "edited_at", "revisions"],
                "properties": {"id": _ID, "proposal_id": _ID, "mine": {"type": "boolean"},
                               "author": {"type": "string", "description": "you, the proposer or participant N "
                                                                          "(real names for coordinators)"},
                               "body": {"type": "string"}, "created_at": _DATETIME, "edited_at": _DATETIME_OR_NULL,
                               "revisions": {"type": "array", "items": {
                                   "type": "object", "required": ["body", "replaced_at"],
                                   "properties": {"body": {"type": "string"}, "replaced_at": _DATETIME}}}}},
    "Decision": {"type": "object",
                 "required": ["id", "pool", "kind", "title", "result", "status", "opened_at", "closed_at", "method",
                              "quorum_percent", "quorum_met", "eligible", "yes", "no", "abstain", "turnout",
                              "turnout_percent", "public_votes", "applied_at", "votes", "facts_url"],
                 "properties": {"id": _ID, "kind": {"type": "string", "enum": KINDS}, "title": {"type": "string"},
                                "result": {"type": "string", "enum": ["passed", "rejected"]},
                                "status": {"type": "string", "enum": STATUSES}, "opened_at": _DATETIME,
                                "closed_at": _DATETIME, "method": {"type": "string", "enum": METHODS},
                                "quorum_percent": {"type": "integer"}, "quorum_met": {"type": "boolean"},
                                "eligible": {"type": "integer"}, "yes": {"type": "integer"},
                                "no": {"type": "integer"}, "abstain": {"type": "integer"},
                                "turnout": {"type": "integer"}, "turnout_percent": {"type": ["integer", "null"]},
                                "public_votes": {"type": "boolean"}, "applied_at": _DATETIME_OR_NULL,
                                "votes": _BALLOT, "facts_url": {"type": "string"}}},
    "GovernanceRules": {"type": "object",
                        "required": ["method", "quorum_percent", "electorate", "public_votes", "period_days"],
                        "properties": RULES_REQUEST["properties"]},
}


def governance_paths(op, json, query, path_id) -> dict:
    """The operations, built with openapi.py's own helpers (passed in to avoid an import cycle)."""
    paging = paging_params(query)

    proposal = {"$ref": _REF + "Proposal"}
    links = {"links": {"GetProposal": {"operationId": "getProposal",
                                       "parameters": {"proposal_id": "$response.body#/id"}},
                       "VoteOnProposal": {"operationId": "voteOnProposal",
                                          "parameters": {"proposal_id": "$response.body#/id"}}}}
    return {
        "/proposals": {
            "get": op("listProposals", "Proposals, open ones first (members)", json(page_of("Proposal")),
                      params=[query("status", {"type": "string", "enum": STATUSES})] + paging),
            "post": op("createProposal", "Open a proposal, at once open for votes under the pool's rules (any "
                       "member). Send an Idempotency-Key header to make retries safe.",
                       {**json(proposal, "Created"), **links}, params=[_IDEMPOTENCY], body=PROPOSAL_REQUEST,
                       status="201"),
        },
        "/proposals/{proposal_id}": {"get": op("getProposal", "One proposal with its facts; counts once closed",
                                               json(proposal), params=[path_id("proposal_id")])},
        "/proposals/{proposal_id}/votes": {"post": op(
            "voteOnProposal", "Vote yes, no or abstain, or change your vote, until the period closes (eligible "
            "members). One vote per member.", json({"$ref": _REF + "Vote"}),
            params=[path_id("proposal_id"), _IDEMPOTENCY], body=VOTE_REQUEST)},
        "/proposals/{proposal_id}/comments": {
            "get": op("listComments", "The discussion, oldest first, with each comment's earlier versions",
                      json(page_of("Comment")), params=[path_id("proposal_id")] + paging),
            "post": op("createComment", "Add a comment (plain text)", json({"$ref": _REF + "Comment"}, "Created"),
                       params=[path_id("proposal_id"), _IDEMPOTENCY], body=COMMENT_REQUEST, status="201"),
        },
        "/comments/{comment_id}": {"patch": op("editComment", "Edit your comment; the earlier text is kept",
                                               json({"$ref": _REF + "Comment"}), params=[path_id("comment_id")],
                                               body=COMMENT_REQUEST)},
        "/proposals/{proposal_id}/withdraw": {"post": op(
            "withdrawProposal", "Withdraw an open proposal (its author or a coordinator)", json(proposal),
            params=[path_id("proposal_id"), _IDEMPOTENCY])},
        "/proposals/{proposal_id}/apply": {"post": op(
            "applyDecision", "Apply a passed retire, move or rule change (coordinators); the change records the "
            "decision", json(proposal), params=[path_id("proposal_id"), _IDEMPOTENCY])},
        "/planning-runs/{run_id}/proposals": {"post": op(
            "proposeFromPlan", "Turn a recommendation of a finished fleet plan into a proposal with the plan's "
            "evidence (coordinators)", {**json(proposal, "Created"), **links},
            params=[path_id("run_id"), _IDEMPOTENCY], body=FROM_PLAN_REQUEST, status="201")},
        "/decisions": {"get": op("listDecisions", "The public record: every closed vote, newest first, with its "
                                 "result and turnout; names only for public votes", json(page_of("Decision")),
                                 params=paging, public=True)},
        "/decisions/{proposal_id}": {"get": op("getDecision", "One decision of the public record",
                                               json({"$ref": _REF + "Decision"}), params=[path_id("proposal_id")],
                                               public=True)},
        "/governance/rules": {
            "get": op("getGovernanceRules", "A pool's decision rules for new proposals (pool_id: one of the "
                      "caller's pools; by default the first by name)", json({"$ref": _REF + "GovernanceRules"}),
                      params=[query("pool_id", {"type": "integer", "minimum": 1})]),
            "put": op("setGovernanceRules", "Set the decision rules for proposals opened from now on "
                      "(coordinators)", json({"$ref": _REF + "GovernanceRules"}), body=RULES_REQUEST),
        },
    }
