"""Opening proposals, reading them, withdrawing them.

Any active member opens a proposal of any kind; it is open at once for the pool's decision period, under the
rules of that moment. The members who may vote are fixed when it opens (`ProposalVoter`): all active members,
or the active members of the affected hub, as the rules say. They are told it is open.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.core.errors import Forbidden, NotFound, ValidationFailed
from fleet.core.messages import When
from fleet.core.money import MAX_MINOR, check_currency, check_minor
from fleet.core.text import multi_line, single_line
from fleet.governance.rules import current_rules
from fleet.members.notifications import notify
from fleet.models import (
    Asset, AssetStatus, Category, Electorate, Hub, Member, Partner, Proposal, ProposalKind, ProposalStatus, ProposalVoter,
)

MAX_TITLE = 200
MAX_BODY = 10000
# A rule change may set these booking rules of a category: (lowest, highest, may be cleared).
RULE_FIELDS: dict[str, tuple[int, int, bool]] = {
    "min_duration_minutes": (1, 366 * 1440, False),
    "max_duration_minutes": (1, 366 * 1440, False),
    "min_notice_minutes": (0, 60 * 1440, False),
    "max_advance_days": (1, 3 * 366, False),
    "weekly_quota_hours": (1, 168, True),
    "no_show_grace_minutes": (0, 7 * 1440, True),
}
BOOL_RULE_FIELDS = ("approval_required",)
FEE_FIELDS = ("per_hour_minor", "per_km_minor")


def _id(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINOR:
        raise ValidationFailed("Choose one from the list.", field=field)
    return value


def _hub(session: Session, hub_id, field: str) -> Hub:
    hub = session.get(Hub, _id(hub_id, field)) if hub_id is not None else None
    if hub is None or hub.retired:
        raise ValidationFailed("Choose a hub.", field=field)
    return hub


def _asset(session: Session, asset_id) -> Asset:
    asset = session.get(Asset, _id(asset_id, "asset_id")) if asset_id is not None else None
    if asset is None or asset.status == AssetStatus.retired:
        raise ValidationFailed("Choose an asset that is not retired.", field="asset_id")
    return asset


def _category(session: Session, category_id) -> Category:
    category = session.get(Category, _id(category_id, "category_id")) if category_id is not None else None
    if category is None or category.retired:
        raise ValidationFailed("Choose a category.", field="category_id")
    return category


def check_change(change) -> dict:
    """A rule change as {"rules": {field: value}, "fee": {...}}, checked; at least one thing must change."""
    if not isinstance(change, dict) or set(change) - {"rules", "fee"}:
        raise ValidationFailed("Say which rules or which fee change.", field="change")
    rules, fee = change.get("rules") or {}, change.get("fee")
    if not isinstance(rules, dict):
        raise ValidationFailed("Say which rules or which fee change.", field="change")
    out_rules = {}
    for name, value in rules.items():
        if name in BOOL_RULE_FIELDS:
            if not isinstance(value, bool):
                raise ValidationFailed("%(rule)s is true or false.", field="change", rule=name)
            out_rules[name] = value
            continue
        if name not in RULE_FIELDS:
            raise ValidationFailed("%(rule)s is not a rule a proposal can change.", field="change",
                                   rule=str(name)[:60])
        low, high, nullable = RULE_FIELDS[name]
        if value is None and nullable:
            out_rules[name] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed("%(rule)s is a whole number from %(low)s to %(high)s.", field="change",
                                   low=low, high=high, rule=name)
        out_rules[name] = value
    low_d = out_rules.get("min_duration_minutes")
    high_d = out_rules.get("max_duration_minutes")
    if low_d is not None and high_d is not None and high_d < low_d:
        raise ValidationFailed("The maximum duration must be at least the minimum.", field="change")
    out = {"rules": out_rules} if out_rules else {}
    if fee is not None:
        if not isinstance(fee, dict) or set(fee) - {*FEE_FIELDS, "currency"}:
            raise ValidationFailed("A fee has per_hour_minor, per_km_minor and currency.", field="change")
        out_fee = {name: None if fee.get(name) is None else check_minor(fee.get(name), "change")
                   for name in FEE_FIELDS}
        out_fee["currency"] = check_currency(fee.get("currency") or "EUR", "change")
        out["fee"] = out_fee
    if not out:
        raise ValidationFailed("Say which rules or which fee change.", field="change")
    return out


def proposal_zone(session: Session, proposal: Proposal) -> str:
    """Where the proposal's instants are shown: its hub's zone, else the first hub's, else UTC."""
    if proposal.hub is not None:
        return proposal.hub.timezone
    zone = session.scalar(select(Hub.timezone).order_by(Hub.id).limit(1))
    return zone or "UTC"


def open_proposal(session: Session, actor: Member, now: datetime, *, kind: str, title: str, body: str = "",
                  hub_id: int | None = None, asset_id: int | None = None, category_id: int | None = None,
                  target_hub_id: int | None = None, amount_minor: int | None = None, currency: str | None = None,
                  change: dict | None = None, evidence: dict | None = None,
                  planning_run_id: int | None = None) -> Proposal:
    if actor is None or not actor.active:
        raise Forbidden("Only active members can open a proposal.")
    try:
        kind_value = ProposalKind(kind)
    except ValueError:
        raise ValidationFailed("The kind is acquire, retire, move, rule_change or free_text.", field="kind") from None
    title = single_line(title, "title")
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed("Enter a title of at most %(count)s characters.", field="title", count=MAX_TITLE)
    body = multi_line(body, "body")
    if len(body) > MAX_BODY:
        raise ValidationFailed("The text is at most %(count)s characters.", field="body", count=MAX_BODY)
    proposal = Proposal(kind=kind_value, title=title, body=body, author_id=actor.id, evidence=evidence,
                        planning_run_id=planning_run_id, status=ProposalStatus.open, created_at=now)
    if kind_value == ProposalKind.acquire:
        category, hub = _category(session, category_id), _hub(session, target_hub_id, "target_hub_id")
        if amount_minor is None:
            raise ValidationFailed("Enter the estimated cost.", field="amount")
        proposal.category_id, proposal.target_hub_id, proposal.hub_id = category.id, hub.id, hub.id
        proposal.amount_minor = check_minor(amount_minor, "amount")
        proposal.currency = check_currency(currency or "EUR")
    elif kind_value == ProposalKind.retire:
        asset = _asset(session, asset_id)
        proposal.asset_id, proposal.hub_id, proposal.category_id = asset.id, asset.hub_id, asset.category_id
    elif kind_value == ProposalKind.move:
        asset, hub = _asset(session, asset_id), _hub(session, target_hub_id, "target_hub_id")
        if hub.id == asset.hub_id:
            raise ValidationFailed("The asset is already at this hub.", field="target_hub_id")
        proposal.asset_id, proposal.hub_id, proposal.target_hub_id = asset.id, asset.hub_id, hub.id
        proposal.category_id = asset.category_id
    elif kind_value == ProposalKind.rule_change:
        proposal.category_id = _category(session, category_id).id
        proposal.change = check_change(change)
    elif hub_id is not None:
        proposal.hub_id = _hub(session, hub_id, "hub_id").id
    rules = current_rules(session)
    proposal.method, proposal.quorum_percent = rules.method, rules.quorum_percent
    proposal.electorate, proposal.public_votes = rules.electorate, rules.public_votes
    proposal.opened_at, proposal.closes_at = now, now + timedelta(days=rules.period_days)
    session.add(proposal)
    session.flush()
    voters = eligible_member_ids(session, proposal)
    session.add_all(ProposalVoter(proposal_id=proposal.id, member_id=m) for m in voters)
    proposal.eligible_count = len(voters)
    zone = proposal_zone(session, proposal)
    for member_id in voters:
        if member_id != actor.id:
            notify(session, member_id, "proposal_opened",
                   "A proposal is open for your vote until %(closes)s: %(title)s", now,
                   closes=When(proposal.closes_at, zone), title=proposal.title)
    session.flush()
    return proposal


def eligible_member_ids(session: Session, proposal: Proposal) -> list[int]:
    """The people who vote: active members, not the accounts that stand for federation partners."""
    query = select(Member.id).where(Member.active.is_(True), Member.id.not_in(select(Partner.member_id)))
    if proposal.electorate == Electorate.hub and proposal.hub_id is not None:
        query = query.where(Member.home_hub_id == proposal.hub_id)
    return list(session.scalars(query.order_by(Member.id)))


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None:
        raise NotFound("No such proposal.")
    return proposal


def visible_proposal(session: Session, actor: Member, proposal_id: int) -> Proposal:
    """Members read every proposal and its discussion (the pool decides in the open)."""
    if actor is None or not actor.active:
        raise Forbidden("Only members can read proposals.")
    return get_proposal(session, proposal_id)


def list_proposals(session: Session, status: ProposalStatus | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[Proposal], int]:
    query = select(Proposal)
    if status is not None:
        query = query.where(Proposal.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Proposal.status != ProposalStatus.open, Proposal.closes_at.desc(),
                                          Proposal.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def is_voter(session: Session, proposal: Proposal, member: Member) -> bool:
    return member is not None and member.active and session.get(ProposalVoter, (proposal.id, member.id)) is not None


def withdraw_proposal(session: Session, actor: Member, proposal_id: int, now: datetime) -> Proposal:
    """The author (or a coordinator) withdraws an open proposal; nothing is decided."""
    proposal = visible_proposal(session, actor, proposal_id)
    if proposal.author_id != actor.id and not actor.is_coordinator:
        raise Forbidden("Only its author or a coordinator can withdraw a proposal.")
    proposal.withdraw(now)
    session.flush()
    return proposal
