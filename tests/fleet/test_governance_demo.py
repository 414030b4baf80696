"""The demo community's decisions: two closed (one passed and applied, one rejected) and one open proposal with
comments that the demo member may vote on and has not yet."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from fleet.demo import MEMBER_EMAIL, load_demo
from fleet.governance.proposals import is_voter
from fleet.governance.votes import own_vote
from fleet.models import AppliedChange, Category, Member, Proposal, ProposalComment, ProposalStatus
from tests.fleet.test_demo import fresh_session

NOW = datetime(2026, 3, 20, 10, 17, 45, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def demo():
    session = fresh_session()
    load_demo(session, NOW)
    session.commit()
    yield session
    session.close()


def test_the_demo_has_two_decisions_and_an_open_proposal(demo):
    by_status = {p.status: p for p in demo.scalars(select(Proposal))}
    assert set(by_status) == {ProposalStatus.applied, ProposalStatus.rejected, ProposalStatus.open}
    applied = by_status[ProposalStatus.applied]
    assert demo.scalar(select(AppliedChange)).proposal_id == applied.id
    assert demo.scalar(select(Category).where(Category.name == "Farm machinery")).max_advance_days == 120
    rejected = by_status[ProposalStatus.rejected]
    assert rejected.quorum_met and rejected.no_count > rejected.yes_count
    open_one = by_status[ProposalStatus.open]
    assert open_one.closes_at > NOW
    assert len(list(demo.scalars(select(ProposalComment).where(ProposalComment.proposal_id == open_one.id)))) == 2
    member = demo.scalar(select(Member).where(Member.email == MEMBER_EMAIL))
    assert is_voter(demo, open_one, member) and own_vote(demo, open_one, member) is None
