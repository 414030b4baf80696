"""Governance through the API: proposals (any member opens one; coordinators also from a fleet plan), votes,
comments, applying a passed decision, the decision rules, and the public record of decisions (no token needed).
POSTs accept an Idempotency-Key. A secret ballot stays secret: no answer says who voted what, except the
caller's own vote."""
from __future__ import annotations


from flask import jsonify, request

from app.api.replies import paged as _paged, posted as _posted
from app.api import bp
from app.api import serialise as out
from app.api.auth import PUBLIC_ENDPOINTS, actor, coordinator_only
from app.api.governance_schemas import (
    COMMENT_REQUEST, FROM_PLAN_REQUEST, PROPOSAL_REQUEST, RULES_REQUEST, STATUSES, VOTE_REQUEST,
)
from app.api.input import json_body, page_args
from app.extensions import db
from app.pools import chosen_pool
from fleet.members.pools import member_pool_ids, visible_pool_ids
from fleet.core.db import utcnow
from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.messages import english
from fleet.governance import applying, comments, proposals, record, rules, votes
from fleet.governance.from_plan import propose_from_plan
from fleet.reporting.fleet_plans import get_plan
from fleet.models import Proposal, ProposalStatus

PUBLIC_ENDPOINTS.update({"api.list_decisions", "api.get_decision"})


def _time(instant) -> str | None:
    return out.rfc3339(instant) if instant else None


def proposal_body(proposal: Proposal, member) -> dict:
    now = utcnow()
    mine = votes.own_vote(db.session, proposal, member)
    closed = proposal.yes_count is not None
    ballot = record.public_ballot(db.session, proposal) if closed else None
    return {
        "id": proposal.id, "pool": out.pool(proposal.pool), "kind": proposal.kind.value, "title": proposal.title, "body": proposal.body,
        "status": proposal.status.value, "mine": member is not None and proposal.author_id == member.id,
        "hub_id": proposal.hub_id,
        "asset_id": proposal.asset_id, "category_id": proposal.category_id, "target_hub_id": proposal.target_hub_id,
        "amount_minor": proposal.amount_minor, "currency": proposal.currency, "change": proposal.change,
        "evidence": proposal.evidence, "planning_run_id": proposal.planning_run_id, "method": proposal.method.value,
        "quorum_percent": proposal.quorum_percent, "electorate": proposal.electorate.value,
        "public_votes": proposal.public_votes, "eligible_count": proposal.eligible_count,
        "opened_at": _time(proposal.opened_at), "closes_at": _time(proposal.closes_at),
        "closed_at": _time(proposal.closed_at),
        "voted": proposal.turnout if closed else votes.turnout_so_far(db.session, proposal),
        "may_vote": proposal.is_open_at(now) and proposals.is_voter(db.session, proposal, member),
        "my_vote": None if mine is None else {"choice": mine.choice.value, "reason": mine.reason,
                                              "changed_at": _time(mine.changed_at)},
        "result": None if not closed else {
            "yes": proposal.yes_count, "no": proposal.no_count, "abstain": proposal.abstain_count,
            "turnout": proposal.turnout, "turnout_percent": proposal.turnout_percent,
            "quorum_met": bool(proposal.quorum_met), "passed": proposal.passed},
        "votes": None if ballot is None else [{"name": n, "choice": c} for n, c in ballot],
        "applied_at": _time(proposal.applied_at),
    }


def comment_body(comment, labels: dict | None = None) -> dict:
    """A comment; its author named as comments.speaker_labels says (you, the proposer, participant N)."""
    if labels is None:
        proposal = proposals.get_proposal(db.session, comment.proposal_id)
        labels = comments.speaker_labels(proposal, comments.list_comments(db.session, proposal), actor())
    return {"id": comment.id, "proposal_id": comment.proposal_id, "mine": comment.author_id == actor().id,
            "author": english(*labels[comment.author_id]), "body": comment.body,
            "created_at": _time(comment.created_at),
            "edited_at": _time(comment.edited_at),
            "revisions": [{"body": r.body, "replaced_at": _time(r.replaced_at)} for r in comment.revisions]}


@bp.get("/proposals")
def list_proposals():
    page, per_page = page_args()
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise ValidationFailed("status must be one of %(values)s.", field="status", values=", ".join(STATUSES))
    items, total = proposals.list_proposals(db.session, ProposalStatus(status) if status else None,
                                            limit=per_page, offset=(page - 1) * per_page,
                                            pool_ids=member_pool_ids(db.session, actor()))
    return out.page([proposal_body(p, actor()) for p in items], page, per_page, total)


@bp.post("/proposals")
def create_proposal():
    data = json_body(PROPOSAL_REQUEST)
    fields = {k: data.get(k) for k in ("hub_id", "asset_id", "category_id", "target_hub_id", "amount_minor",
                                       "currency", "change", "pool_id")}
    return _posted(201, lambda: proposal_body(proposals.open_proposal(
        db.session, actor(), utcnow(), kind=data["kind"], title=data["title"], body=data.get("body", ""),
        **fields), actor()))


@bp.get("/proposals/<id:proposal_id>")
def get_proposal(proposal_id: int):
    return jsonify(proposal_body(proposals.visible_proposal(db.session, actor(), proposal_id), actor()))


@bp.post("/proposals/<id:proposal_id>/votes")
def vote_on_proposal(proposal_id: int):
    proposals.visible_proposal(db.session, actor(), proposal_id)  # who may, before what was sent
    data = json_body(VOTE_REQUEST)

    def make() -> dict:
        vote = votes.cast_vote(db.session, actor(), proposal_id, data["choice"], data.get("reason", ""), utcnow())
        return {"proposal_id": vote.proposal_id, "choice": vote.choice.value, "reason": vote.reason,
                "changed_at": _time(vote.changed_at)}
    return _posted(200, make)


@bp.get("/proposals/<id:proposal_id>/comments")
def list_comments(proposal_id: int):
    proposal = proposals.visible_proposal(db.session, actor(), proposal_id)
    thread = comments.list_comments(db.session, proposal)
    labels = comments.speaker_labels(proposal, thread, actor())
    return _paged(thread, lambda c: comment_body(c, labels))


@bp.post("/proposals/<id:proposal_id>/comments")
def create_comment(proposal_id: int):
    proposals.visible_proposal(db.session, actor(), proposal_id)  # who may, before what was sent
    data = json_body(COMMENT_REQUEST)
    return _posted(201, lambda: comment_body(comments.add_comment(db.session, actor(), proposal_id, data["body"],
                                                                  utcnow())))


@bp.patch("/comments/<id:comment_id>")
def edit_comment(comment_id: int):
    comments.own_comment(db.session, actor(), comment_id)  # who may, before what was sent
    data = json_body(COMMENT_REQUEST)
    comment = comments.edit_comment(db.session, actor(), comment_id, data["body"], utcnow())
    db.session.refresh(comment)
    return jsonify(comment_body(comment))


@bp.post("/proposals/<id:proposal_id>/withdraw")
def withdraw_proposal(proposal_id: int):
    return _posted(200, lambda: proposal_body(proposals.withdraw_proposal(db.session, actor(), proposal_id,
                                                                          utcnow()), actor()))


@bp.post("/proposals/<id:proposal_id>/apply")
@coordinator_only
def apply_decision(proposal_id: int):
    def make() -> dict:
        change = applying.apply_decision(db.session, actor(), proposal_id, utcnow())
        return proposal_body(proposals.get_proposal(db.session, change.proposal_id), actor())
    return _posted(200, make)


@bp.post("/planning-runs/<id:run_id>/proposals")
@coordinator_only
def propose_from_plan_run(run_id: int):
    get_plan(db.session, actor(), run_id)  # who may, before what was sent
    data = json_body(FROM_PLAN_REQUEST)
    return _posted(201, lambda: proposal_body(propose_from_plan(db.session, actor(), run_id, data["section"],
                                                                data["index"], utcnow()), actor()))


def decision_body(proposal: Proposal) -> dict:
    body = record.decision_dict(proposal, record.public_ballot(db.session, proposal))
    body["facts_url"] = f"/pool/decisions/{proposal.id}"
    return body


@bp.get("/decisions")
def list_decisions():
    return _paged(record.decisions(db.session, limit=100000, pool_ids=visible_pool_ids(db.session, actor())),
                  decision_body)


@bp.get("/decisions/<id:proposal_id>")
def get_decision(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.status not in record.DECIDED \
            or proposal.pool_id not in visible_pool_ids(db.session, actor()):
        raise NotFound("No such decision.")
    return jsonify(decision_body(proposal))


def rules_body(current) -> dict:
    return {"pool_id": current.pool_id, "method": current.method.value, "quorum_percent": current.quorum_percent,
            "electorate": current.electorate.value, "public_votes": current.public_votes,
            "period_days": current.period_days}


@bp.get("/governance/rules")
def get_governance_rules():
    _pools, pool = chosen_pool(member_pool_ids(db.session, actor()), "pool_id", blank=False)
    if pool is None:
        raise NotFound("No such pool.")
    return jsonify(rules_body(rules.current_rules(db.session, pool.id)))


@bp.put("/governance/rules")
@coordinator_only
def set_governance_rules():
    data = json_body(RULES_REQUEST)
    return jsonify(rules_body(rules.set_rules(db.session, actor(), utcnow(), **data)))
