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
from fleet.members.pools import coordinated_pool_ids, member_pool_ids
from fleet.models import (
    Asset, AssetStatus, Category, Electorate, Hub, Member, Partner, PoolMembership, Proposal, ProposalKind,
    ProposalStatus, ProposalVoter,
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


def _hub(session: Session, hub_id, field: str, pools: set[int]) -> Hub:
    hub = session.get(Hub, _id(hub_id, field)) if hub_id is not None else None
    if hub is None or hub.retired or hub.pool_id not in pools:
        raise ValidationFailed("Choose a hub.", field=field)
    return hub


def _asset(session: Session, asset_id, pools: set[int]) -> Asset:
    asset = session.get(Asset, _id(asset_id, "asset_id")) if asset_id is not None else None
    if asset is None or asset.status == AssetStatus.retired or asset.category.pool_id not in pools:
        raise ValidationFailed("Choose an asset that is not retired.", field="asset_id")
    return asset


def _category(session: Session, category_id, pools: set[int]) -> Category:
    category = session.get(Category, _id(category_id, "category_id")) if category_id is not None else None
    if category is None or category.retired or category.pool_id not in pools:
        raise ValidationFailed("Choose a category.", field="category_id")
    return category


def _proposal_pool(session: Session, actor: Member, pool_id, hub_id, asset_id, category_id,
                   target_hub_id) -> int:
    """The pool a proposal is put to: the one its asset, category or hub is in, else the one named, else the
    author's only pool. The author must belong to it."""
    mine = member_pool_ids(session, actor)
    for model, object_id in ((Asset, asset_id), (Category, category_id), (Hub, hub_id), (Hub, target_hub_id)):
        if isinstance(object_id, int) and not isinstance(object_id, bool):
            row = session.get(model, object_id)
            if row is not None:
                found = row.category.pool_id if isinstance(row, Asset) else row.pool_id
                pool_id = found if found in mine else pool_id
                break
    if pool_id is None:
        if len(mine) != 1:
            raise ValidationFailed("Choose the pool it belongs to.", field="pool_id")
        pool_id = next(iter(mine))
    if pool_id not in mine:
        raise Forbidden("You can only open proposals in the pools you belong to.")
    return pool_id


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
    """Where the proposal's instants are shown: its hub's zone, else its pool's first hub's, else UTC."""
    if proposal.hub is not None:
        return proposal.hub.timezone
    zone = session.scalar(select(Hub.timezone).where(Hub.pool_id == proposal.pool_id).order_by(Hub.id).limit(1))
    return zone or "UTC"


def open_proposal(session: Session, actor: Member, now: datetime, *, kind: str, title: str, body: str = "",
                  hub_id: int | None = None, asset_id: int | None = None, category_id: int | None = None,
                  target_hub_id: int | None = None, amount_minor: int | None = None, currency: str | None = None,
                  change: dict | None = None, evidence: dict | None = None,
                  planning_run_id: int | None = None, pool_id: int | None = None) -> Proposal:
    """A proposal put to the members of one pool (`_proposal_pool`), open at once under that pool's rules."""
    if actor is None or not actor.active:
        raise Forbidden("Only active members can open a proposal.")
    pool_id = _proposal_pool(session, actor, pool_id, hub_id, asset_id, category_id, target_hub_id)
    pools = {pool_id}
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
                        planning_run_id=planning_run_id, status=ProposalStatus.open, created_at=now, pool_id=pool_id)
    if kind_value == ProposalKind.acquire:
        category, hub = _category(session, category_id, pools), _hub(session, target_hub_id, "target_hub_id", pools)
        if amount_minor is None:
            raise ValidationFailed("Enter the estimated cost.", field="amount")
        proposal.category_id, proposal.target_hub_id, proposal.hub_id = category.id, hub.id, hub.id
        proposal.amount_minor = check_minor(amount_minor, "amount")
        proposal.currency = check_currency(currency or "EUR")
    elif kind_value == ProposalKind.retire:
        asset = _asset(session, asset_id, pools)
        proposal.asset_id, proposal.hub_id, proposal.category_id = asset.id, asset.hub_id, asset.category_id
    elif kind_value == ProposalKind.move:
        asset, hub = _asset(session, asset_id, pools), _hub(session, target_hub_id, "target_hub_id", pools)
        if hub.id == asset.hub_id:
            raise ValidationFailed("The asset is already at this hub.", field="target_hub_id")
        proposal.asset_id, proposal.hub_id, proposal.target_hub_id = asset.id, asset.hub_id, hub.id
        proposal.category_id = asset.category_id
    elif kind_value == ProposalKind.rule_change:
        proposal.category_id = _category(session, category_id, pools).id
        proposal.change = check_change(change)
    elif hub_id is not None:
        proposal.hub_id = _hub(session, hub_id, "hub_id", pools).id
    rules = current_rules(session, pool_id)
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
    """Who votes: the active members of the proposal's pool (of its hub, when the rules say so), not the accounts
    that stand for federation partners."""
    query = select(Member.id).where(Member.active.is_(True), Member.id.not_in(select(Partner.member_id)), Member.id.in_(
        select(PoolMembership.member_id).where(PoolMembership.pool_id == proposal.pool_id)))
    if proposal.electorate == Electorate.hub and proposal.hub_id is not None:
        query = query.where(Member.home_hub_id == proposal.hub_id)
    return list(session.scalars(query.order_by(Member.id)))


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None:
        raise NotFound("No such proposal.")
    return proposal


def visible_proposal(session: Session, actor: Member, proposal_id: int) -> Proposal:
    """Members read every proposal of their pools and its discussion (the pool decides in the open); another
    pool's proposal is answered as a missing one."""
    if actor is None or not actor.active:
        raise Forbidden("Only members can read proposals.")
    proposal = get_proposal(session, proposal_id)
    if proposal.pool_id not in member_pool_ids(session, actor):
        raise NotFound("No such proposal.")
    return proposal


def list_proposals(session: Session, status: ProposalStatus | None = None, limit: int = 50,
                   offset: int = 0, pool_ids: set[int] | None = None) -> tuple[list[Proposal], int]:
    """Proposals, open ones first; only those of `pool_ids` when given."""
    query = select(Proposal)
    if pool_ids is not None:
        query = query.where(Proposal.pool_id.in_(pool_ids))
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
    if proposal.author_id != actor.id and proposal.pool_id not in coordinated_pool_ids(session, actor):
        raise Forbidden("Only its author or a coordinator can withdraw a proposal.")
    proposal.withdraw(now)
    session.flush()
    return proposal
