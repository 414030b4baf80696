"""The periodic governance work, run by `flask bookings tick` and the worker: close the proposals whose period
has ended, and remind eligible members who have not voted 24 hours before a close.

Both are idempotent: a closed proposal is not open any more (its transition table refuses a second close), and
a reminder is recorded on the voter's row. The close locks the proposal's row (PostgreSQL), waiting for votes
in flight, so the count it takes is final.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.messages import Term, When
from fleet.governance.proposals import proposal_zone
from fleet.governance.tally import tally
from fleet.governance.votes import locked_proposal
from fleet.members.notifications import notify
from fleet.models import (
    Member, PlannedAcquisition, Proposal, ProposalKind, ProposalStatus, ProposalVoter, Vote,
)

REMINDER_LEAD = timedelta(hours=24)


def close_due(session: Session, now: datetime) -> list[Proposal]:
    """Close every open proposal whose period has ended; returns those this call closed."""
    due = list(session.scalars(select(Proposal.id).where(Proposal.status == ProposalStatus.open,
                                                         Proposal.closes_at <= now).order_by(Proposal.id)))
    closed = []
    for proposal_id in due:
        proposal = locked_proposal(session, proposal_id, exclusive=True)
        if proposal is None or proposal.status != ProposalStatus.open:
            continue  # closed meanwhile by another tick
        result = tally(session, proposal)
        proposal.close(now, result.yes, result.no, result.abstain, result.quorum_met, result.passed)
        if result.passed and proposal.kind == ProposalKind.acquire:
            session.add(PlannedAcquisition(proposal_id=proposal.id, category_id=proposal.category_id,
                                           hub_id=proposal.target_hub_id, description=proposal.title,
                                           amount_minor=proposal.amount_minor or 0,
                                           currency=proposal.currency or "EUR", created_at=now))
        voters = session.scalars(select(ProposalVoter.member_id).join(Member, Member.id == ProposalVoter.member_id)
                                 .where(ProposalVoter.proposal_id == proposal.id, Member.active.is_(True))
                                 .order_by(ProposalVoter.member_id))
        for member_id in voters:
            notify(session, member_id, "decision_made",
                   "The vote on \u201c%(title)s\u201d closed: %(result)s (%(yes)s yes, %(no)s no, %(abstain)s "
                   "abstain, turnout %(turnout)s of %(eligible)s).", now,
                   title=proposal.title, result=Term(proposal.status.value), yes=result.yes, no=result.no,
                   abstain=result.abstain, turnout=proposal.turnout, eligible=proposal.eligible_count)
        session.flush()
        closed.append(proposal)
    return closed


def remind_due(session: Session, now: datetime, lead: timedelta = REMINDER_LEAD) -> int:
    """Remind each eligible, active member who has not voted, once, when a proposal closes within `lead`."""
    rows = session.execute(
        select(ProposalVoter, Proposal).join(Proposal, Proposal.id == ProposalVoter.proposal_id)
        .join(Member, Member.id == ProposalVoter.member_id)
        .where(Proposal.status == ProposalStatus.open, Proposal.closes_at > now, Proposal.closes_at <= now + lead,
               ProposalVoter.reminded_at.is_(None), Member.active.is_(True),
               ~select(Vote.id).where(Vote.proposal_id == ProposalVoter.proposal_id,
                                      Vote.member_id == ProposalVoter.member_id).exists())
        .order_by(Proposal.id, ProposalVoter.member_id)).all()
    for voter, proposal in rows:
        voter.reminded_at = now
        notify(session, voter.member_id, "proposal_closing",
               "The vote on \u201c%(title)s\u201d closes at %(closes)s and you have not voted yet.", now,
               title=proposal.title, closes=When(proposal.closes_at, proposal_zone(session, proposal)))
    session.flush()
    return len(rows)
