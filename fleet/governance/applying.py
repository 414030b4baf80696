"""Applying a passed decision: a coordinator confirms it and the change is made, recorded with the decision that
authorised it (`AppliedChange`). Nothing is applied without that confirmation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.catalogue.assets import set_asset_status
from fleet.core.errors import Conflict, NotFound
from fleet.governance.proposals import get_proposal
from fleet.members.permissions import require_coordinator
from fleet.models import (
    AppliedChange, Asset, AssetStatus, Category, Hub, Member, ProposalKind, Tariff,
)


def apply_category_change(session: Session, actor: Member, category: Category, change: dict,
                          now: datetime) -> tuple[dict, dict]:
    """A rule change on the category's booking rules and its tariff's per-hour and per-km rates (its other
    terms stay); returns (before, after)."""
    before, after = {"rules": {}}, {"rules": {}}
    for name, value in (change.get("rules") or {}).items():
        before["rules"][name] = getattr(category, name)
        setattr(category, name, value)
        after["rules"][name] = value
    if category.max_duration_minutes < category.min_duration_minutes:
        raise Conflict("The maximum duration would be below the minimum; the category changed since the vote.")
    fee_change = change.get("fee")
    if fee_change is not None:
        fee = session.scalar(select(Tariff).where(Tariff.category_id == category.id))
        before["fee"] = None if fee is None else {"per_hour_minor": fee.per_hour_minor,
                                                  "per_km_minor": fee.per_km_minor, "currency": fee.currency}
        if fee is None:
            fee = Tariff(category_id=category.id, late_grace_minutes=0)
            session.add(fee)
        fee.per_hour_minor, fee.per_km_minor = fee_change["per_hour_minor"], fee_change["per_km_minor"]
        fee.currency, fee.updated_by_id, fee.updated_at = fee_change["currency"], actor.id, now
        after["fee"] = dict(fee_change)
    return before, after


def apply_decision(session: Session, actor: Member, proposal_id: int, now: datetime) -> AppliedChange:
    require_coordinator(actor)
    proposal = get_proposal(session, proposal_id)
    if not actor.coordinates_pool(proposal.pool_id):  # another pool's decision is not theirs to know
        raise NotFound("No such proposal.")
    proposal.mark_applied(actor.id, now)  # refuses anything but a passed retire, move or rule change
    if proposal.kind == ProposalKind.retire:
        asset = session.get(Asset, proposal.asset_id)
        before = {"status": asset.status.value}
        if asset.status != AssetStatus.retired:
            set_asset_status(session, actor, asset.id, AssetStatus.retired, now=now)
        after = {"status": AssetStatus.retired.value}
    elif proposal.kind == ProposalKind.move:
        asset, hub = session.get(Asset, proposal.asset_id), session.get(Hub, proposal.target_hub_id)
        if asset.status == AssetStatus.retired or hub is None or hub.retired:
            raise Conflict("The asset or the hub was retired since the vote; the move cannot be applied.")
        before, after = {"hub_id": asset.hub_id}, {"hub_id": hub.id}
        asset.hub_id = hub.id
    else:
        before, after = apply_category_change(session, actor, session.get(Category, proposal.category_id),
                                              proposal.change or {}, now)
    change = AppliedChange(proposal_id=proposal.id, asset_id=proposal.asset_id, category_id=proposal.category_id,
                           before=before, after=after, applied_by_id=actor.id, applied_at=now)
    session.add(change)
    session.flush()
    return change


def applied_change(session: Session, proposal_id: int) -> AppliedChange | None:
    return session.scalar(select(AppliedChange).where(AppliedChange.proposal_id == proposal_id))
