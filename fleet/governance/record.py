"""The public record of decisions: every closed vote, what it decided, when, the result and the turnout, and
where its facts are. No member is named unless the vote was public; a secret ballot shows counts only, to
everyone, coordinators included."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.models import Member, PlannedAcquisition, Proposal, ProposalStatus, Vote

DECIDED = (ProposalStatus.passed, ProposalStatus.rejected, ProposalStatus.applied)


@dataclass
class Decision:
    proposal: Proposal
    ballot: list[tuple[str, str]] | None  # (member name, choice) for a public vote; None when secret


def decisions(session: Session, limit: int = 500, pool_ids: set[int] | None = None) -> list[Proposal]:
    """Decided proposals, latest first; only those of `pool_ids` when given (the pools a reader may see)."""
    stmt = select(Proposal).where(Proposal.status.in_(DECIDED))
    if pool_ids is not None:
        stmt = stmt.where(Proposal.pool_id.in_(pool_ids))
    return list(session.scalars(stmt
                                .order_by(Proposal.closed_at.desc(), Proposal.id.desc()).limit(limit)))


def public_ballot(session: Session, proposal: Proposal) -> list[tuple[str, str]] | None:
    """Who voted what, only when the proposal's vote was public and it has closed."""
    if not proposal.public_votes or proposal.status not in DECIDED:
        return None
    rows = session.execute(select(Member.name, Vote.choice).join(Member, Member.id == Vote.member_id)
                           .where(Vote.proposal_id == proposal.id, Vote.changed_at < proposal.closes_at,
                                  Member.active.is_(True)).order_by(Member.name, Vote.id))
    return [(name, choice.value) for name, choice in rows]


def iso(instant) -> str | None:
    return instant.isoformat().replace("+00:00", "Z") if instant else None


def decision_dict(proposal: Proposal, ballot: list[tuple[str, str]] | None = None) -> dict:
    """A decision as the API, the CSV export and the feed give it (times as ISO 8601 UTC)."""
    return {"id": proposal.id, "kind": proposal.kind.value, "title": proposal.title,
            "result": "passed" if proposal.passed else "rejected", "status": proposal.status.value,
            "opened_at": iso(proposal.opened_at), "closed_at": iso(proposal.closed_at),
            "method": proposal.method.value, "quorum_percent": proposal.quorum_percent,
            "quorum_met": bool(proposal.quorum_met), "eligible": proposal.eligible_count,
            "yes": proposal.yes_count or 0, "no": proposal.no_count or 0, "abstain": proposal.abstain_count or 0,
            "turnout": proposal.turnout or 0, "turnout_percent": proposal.turnout_percent,
            "public_votes": proposal.public_votes, "applied_at": iso(proposal.applied_at),
            "votes": None if ballot is None else [{"name": n, "choice": c} for n, c in ballot]}


def planned_acquisitions(session: Session, pool_ids: set[int] | None = None) -> list[PlannedAcquisition]:
    """Acquisitions decided and not yet made; only those of `pool_ids` when given."""
    stmt = select(PlannedAcquisition)
    if pool_ids is not None:
        stmt = stmt.where(PlannedAcquisition.proposal_id.in_(select(Proposal.id).where(Proposal.pool_id.in_(pool_ids))))
    return list(session.scalars(stmt.order_by(PlannedAcquisition.created_at.desc(),
                                                                    PlannedAcquisition.id.desc())))
