"""Counting: which votes count and what they decide.

A vote counts when its member was eligible at the opening, is still active (a member deactivated before the
close has no vote) and voted before the close. The quorum is a share of the members eligible at the opening.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.models import DecisionMethod, Member, Proposal, ProposalVoter, Vote, VoteChoice


@dataclass(frozen=True)
class Result:
    yes: int
    no: int
    abstain: int
    quorum_met: bool
    passed: bool


def counted_votes(session: Session, proposal: Proposal) -> list[Vote]:
    return list(session.scalars(
        select(Vote).join(ProposalVoter, (ProposalVoter.proposal_id == Vote.proposal_id)
                          & (ProposalVoter.member_id == Vote.member_id))
        .join(Member, Member.id == Vote.member_id)
        .where(Vote.proposal_id == proposal.id, Member.active.is_(True), Vote.changed_at < proposal.closes_at)
        .order_by(Vote.id)))


def decide(method: DecisionMethod, quorum_percent: int, eligible: int, yes: int, no: int, abstain: int) -> Result:
    turnout = yes + no + abstain
    quorum_met = turnout * 100 >= quorum_percent * eligible and (turnout > 0 or quorum_percent == 0)
    if method == DecisionMethod.majority:
        carried = yes > no
    elif method == DecisionMethod.two_thirds:
        carried = yes > 0 and 3 * yes >= 2 * (yes + no)
    else:  # consent: no objection stands
        carried = no == 0
    return Result(yes, no, abstain, quorum_met, quorum_met and carried)


def tally(session: Session, proposal: Proposal) -> Result:
    votes = counted_votes(session, proposal)
    counts = {c: sum(1 for v in votes if v.choice == c) for c in VoteChoice}
    return decide(proposal.method, proposal.quorum_percent, proposal.eligible_count,
                  counts[VoteChoice.yes], counts[VoteChoice.no], counts[VoteChoice.abstain])
