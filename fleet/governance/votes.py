"""Voting: yes, no or abstain, changed as often as the member likes until the period closes.

One vote per member and proposal is the database's rule (unique proposal, member): the vote is written with an
INSERT ... ON CONFLICT DO UPDATE, so concurrent votes of one member end as one row holding the last choice. A
vote shares a lock on the proposal's row (PostgreSQL) that the close takes exclusively, so no vote slips in
while a proposal is being closed; on SQLite every write transaction is serialised anyway.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.core.text import multi_line
from fleet.governance.proposals import is_voter
from fleet.governance.tally import counted_votes
from fleet.models import DecisionMethod, Member, Proposal, Vote, VoteChoice

MAX_REASON = 1000


def locked_proposal(session: Session, proposal_id: int, exclusive: bool) -> Proposal | None:
    query = select(Proposal).where(Proposal.id == proposal_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=not exclusive)
    return session.scalar(query.execution_options(populate_existing=True))


def cast_vote(session: Session, actor: Member, proposal_id: int, choice: str, reason: str, now: datetime) -> Vote:
    if actor is None or not actor.active:
        raise Forbidden("Only active members can vote.")
    try:
        choice_value = VoteChoice(choice)
    except ValueError:
        raise ValidationFailed("A vote is yes, no or abstain.", field="choice") from None
    reason = multi_line(reason, "reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("The reason is at most %(count)s characters.", field="reason", count=MAX_REASON)
    proposal = locked_proposal(session, proposal_id, exclusive=False) if isinstance(proposal_id, int) else None
    if proposal is None or not actor.belongs_to_pool(proposal.pool_id):  # another pool's: as if missing
        raise NotFound("No such proposal.")
    if not proposal.is_open_at(now):
        raise Conflict("Voting on this proposal has closed.")
    if not is_voter(session, proposal, actor):
        raise Forbidden("You are not among the members who may vote on this proposal.")
    if proposal.method == DecisionMethod.consent and choice_value == VoteChoice.no and not reason:
        raise ValidationFailed("An objection needs its reason.", field="reason")
    if choice_value != VoteChoice.no:
        reason = ""  # only an objection carries a reason; changing the vote withdraws it
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Vote.__table__).values(proposal_id=proposal.id, member_id=actor.id, choice=choice_value.value,
                                         reason=reason, cast_at=now, changed_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["proposal_id", "member_id"],
        set_={"choice": stmt.excluded.choice, "reason": stmt.excluded.reason,
              "changed_at": stmt.excluded.changed_at}))
    session.flush()
    return session.scalar(select(Vote).where(Vote.proposal_id == proposal.id, Vote.member_id == actor.id)
                          .execution_options(populate_existing=True))


def own_vote(session: Session, proposal: Proposal, member: Member) -> Vote | None:
    if member is None:
        return None
    return session.scalar(select(Vote).where(Vote.proposal_id == proposal.id, Vote.member_id == member.id))


def turnout_so_far(session: Session, proposal: Proposal) -> int:
    """How many eligible members have voted (no choices: the count is not shown before the close)."""
    return len(counted_votes(session, proposal))
