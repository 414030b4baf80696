"""Governance in the domain: opening proposals under the pool's rules, voting, the close (idempotent, eligibility
fixed at opening, deactivated members without a vote), reminders, applying a passed decision, comments."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fleet.core.errors import Conflict, Forbidden, ValidationFailed
from fleet.governance import applying, closing, comments, proposals, rules, tally, votes
from fleet.governance.record import decision_dict, public_ballot
from fleet.models import (
    AppliedChange, AssetStatus, Tariff, DecisionMethod, Notification, PlannedAcquisition, ProposalStatus, Role,
    Vote,
)
from tests.helpers import at

NOW = at(0, 9)


@pytest.fixture
def pool(make, session):
    hub, other = make.hub(name="North"), make.hub(name="South")
    category = make.category(name="Cargo bikes")
    asset = make.asset(category, hub, name="Bakfiets 1")
    coordinator = make.member(Role.coordinator, home_hub_id=hub.id)
    members = [make.member(home_hub_id=hub.id if i < 3 else other.id) for i in range(5)]
    return dict(hub=hub, other=other, category=category, asset=asset, coordinator=coordinator, members=members)


def _open(session, actor, **kw):
    fields = dict(kind="free_text", title="Paint the shed", body="It needs it.")
    fields.update(kw)
    return proposals.open_proposal(session, actor, NOW, **fields)


def _vote_all(session, proposal, members, choices):
    for member, choice in zip(members, choices):
        votes.cast_vote(session, member, proposal.id, choice, "because" if choice == "no" else "", NOW)


def test_a_proposal_fixes_its_rules_and_its_voters_at_opening(session, pool):
    proposal = _open(session, pool["members"][0])
    assert proposal.status == ProposalStatus.open
    assert proposal.eligible_count == 6 and proposal.method == DecisionMethod.majority
    assert proposal.closes_at == NOW + timedelta(days=7)
    told = session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "proposal_opened"))
    assert told == 5  # everyone eligible but the author
    rules.set_rules(session, pool["coordinator"], NOW, method="consent", quorum_percent=50, electorate="hub",
                    public_votes=True, period_days=3)
    assert proposal.method == DecisionMethod.majority  # the open one keeps its rules
    hub_only = _open(session, pool["members"][0], hub_id=pool["other"].id)
    assert hub_only.eligible_count == 2 and hub_only.method == DecisionMethod.consent


def test_only_coordinators_set_rules_and_bad_rules_are_refused(session, pool):
    with pytest.raises(Forbidden):
        rules.set_rules(session, pool["members"][0], NOW, method="majority", quorum_percent=10, electorate="all",
                        public_votes=False, period_days=7)
    with pytest.raises(ValidationFailed) as exc:
        rules.set_rules(session, pool["coordinator"], NOW, method="majority", quorum_percent=101, electorate="all",
                        public_votes=False, period_days=7)
    assert exc.value.field == "quorum_percent"


def test_each_kind_checks_its_facts(session, pool):
    m = pool["members"][0]
    with pytest.raises(ValidationFailed):
        _open(session, m, kind="acquire", category_id=pool["category"].id, target_hub_id=pool["hub"].id)
    with pytest.raises(ValidationFailed):
        _open(session, m, kind="move", asset_id=pool["asset"].id, target_hub_id=pool["hub"].id)
    with pytest.raises(ValidationFailed):
        _open(session, m, kind="rule_change", category_id=pool["category"].id, change={"rules": {"name": "x"}})
    with pytest.raises(ValidationFailed):
        _open(session, m, kind="rule_change", category_id=pool["category"].id,
              change={"rules": {"min_duration_minutes": 120, "max_duration_minutes": 60}})
    with pytest.raises(ValidationFailed):
        _open(session, m, kind="nonsense")


def test_a_member_changes_their_vote_and_it_stays_one(session, pool):
    proposal = _open(session, pool["members"][0])
    voter = pool["members"][1]
    votes.cast_vote(session, voter, proposal.id, "no", "", NOW)
    vote = votes.cast_vote(session, voter, proposal.id, "yes", "", NOW + timedelta(hours=1))
    assert vote.choice.value == "yes"
    assert session.scalar(select(func.count()).select_from(Vote)) == 1


def test_no_vote_after_the_close_and_closing_is_idempotent(session, pool):
    proposal = _open(session, pool["members"][0])
    _vote_all(session, proposal, pool["members"][:3], ["yes", "yes", "no"])
    late = proposal.closes_at
    with pytest.raises(Conflict):
        votes.cast_vote(session, pool["members"][3], proposal.id, "no", "", late)
    assert closing.close_due(session, late - timedelta(seconds=1)) == []
    closed = closing.close_due(session, late)
    assert [p.id for p in closed] == [proposal.id]
    assert proposal.status == ProposalStatus.passed and (proposal.yes_count, proposal.no_count) == (2, 1)
    assert proposal.turnout == 3 and proposal.turnout_percent == 50
    assert closing.close_due(session, late + timedelta(hours=1)) == []
    with pytest.raises(Conflict):
        votes.cast_vote(session, pool["members"][4], proposal.id, "yes", "", late - timedelta(minutes=1))
    results = session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "decision_made"))
    assert results == 6


def test_a_member_deactivated_before_the_close_has_no_vote_and_the_quorum_stays(session, pool, make):
    rules.set_rules(session, pool["coordinator"], NOW, method="majority", quorum_percent=50, electorate="all",
                    public_votes=False, period_days=7)
    proposal = _open(session, pool["members"][0])
    newcomer = make.member()  # joined after the opening: not eligible
    with pytest.raises(Forbidden):
        votes.cast_vote(session, newcomer, proposal.id, "yes", "", NOW)
    _vote_all(session, proposal, pool["members"][:3], ["no", "yes", "yes"])
    pool["members"][1].active = False
    pool["members"][2].active = False
    closing.close_due(session, proposal.closes_at)
    assert proposal.eligible_count == 6
    assert (proposal.yes_count, proposal.no_count, proposal.turnout) == (0, 1, 1)
    assert proposal.quorum_met is False and proposal.status == ProposalStatus.rejected


@pytest.mark.parametrize("method,counts,passes", [
    ("majority", (2, 2, 0), False), ("majority", (3, 2, 1), True),
    ("two_thirds", (4, 2, 0), True), ("two_thirds", (3, 2, 0), False),
    ("consent", (1, 0, 5), True), ("consent", (5, 1, 0), False),
])
def test_the_methods(method, counts, passes):
    result = tally.decide(DecisionMethod(method), 25, 6, *counts)
    assert result.passed is passes


def test_consent_needs_a_reason_to_object_and_changing_the_vote_withdraws_it(session, pool):
    rules.set_rules(session, pool["coordinator"], NOW, method="consent", quorum_percent=0, electorate="all",
                    public_votes=False, period_days=7)
    proposal = _open(session, pool["members"][0])
    with pytest.raises(ValidationFailed):
        votes.cast_vote(session, pool["members"][1], proposal.id, "no", "", NOW)
    votes.cast_vote(session, pool["members"][1], proposal.id, "no", "Too expensive", NOW)
    votes.cast_vote(session, pool["members"][1], proposal.id, "abstain", "", NOW + timedelta(hours=2))
    closing.close_due(session, proposal.closes_at)
    assert proposal.status == ProposalStatus.passed


def test_reminders_go_once_to_those_who_have_not_voted(session, pool):
    proposal = _open(session, pool["members"][0])
    votes.cast_vote(session, pool["members"][1], proposal.id, "yes", "", NOW)
    assert closing.remind_due(session, NOW) == 0
    soon = proposal.closes_at - timedelta(hours=23)
    assert closing.remind_due(session, soon) == 5
    assert closing.remind_due(session, soon + timedelta(hours=1)) == 0


def test_a_passed_acquisition_becomes_a_budget_line(session, pool):
    proposal = _open(session, pool["members"][0], kind="acquire", category_id=pool["category"].id,
                     target_hub_id=pool["other"].id, amount_minor=250000, currency="EUR")
    _vote_all(session, proposal, pool["members"][:3], ["yes", "yes", "yes"])
    closing.close_due(session, proposal.closes_at)
    line = session.scalar(select(PlannedAcquisition))
    assert (line.proposal_id, line.amount_minor, line.hub_id) == (proposal.id, 250000, pool["other"].id)
    with pytest.raises(Conflict):
        applying.apply_decision(session, pool["coordinator"], proposal.id, NOW + timedelta(days=8))


def test_applying_a_retirement_and_a_rule_change_records_the_decision(session, pool):
    retire = _open(session, pool["members"][0], kind="retire", asset_id=pool["asset"].id)
    change = _open(session, pool["members"][0], kind="rule_change", category_id=pool["category"].id,
                   change={"rules": {"max_advance_days": 30, "approval_required": True},
                           "fee": {"per_hour_minor": 150, "per_km_minor": None, "currency": "EUR"}})
    for p in (retire, change):
        _vote_all(session, p, pool["members"][:3], ["yes", "yes", "abstain"])
    later = NOW + timedelta(days=8)
    with pytest.raises(Conflict):
        applying.apply_decision(session, pool["coordinator"], retire.id, NOW)  # still open
    closing.close_due(session, later)
    with pytest.raises(Forbidden):
        applying.apply_decision(session, pool["members"][0], retire.id, later)
    applying.apply_decision(session, pool["coordinator"], retire.id, later)
    assert pool["asset"].status == AssetStatus.retired and retire.status == ProposalStatus.applied
    with pytest.raises(Conflict):
        applying.apply_decision(session, pool["coordinator"], retire.id, later)
    record = applying.apply_decision(session, pool["coordinator"], change.id, later)
    assert pool["category"].max_advance_days == 30 and pool["category"].approval_required is True
    assert session.scalar(select(Tariff)).per_hour_minor == 150
    assert record.before["rules"]["max_advance_days"] == 90 and record.proposal_id == change.id
    assert session.scalar(select(func.count()).select_from(AppliedChange)) == 2


def test_a_secret_ballot_names_nobody_and_a_public_one_does(session, pool):
    secret = _open(session, pool["members"][0])
    _vote_all(session, secret, pool["members"][:2], ["yes", "no"])
    rules.set_rules(session, pool["coordinator"], NOW, method="majority", quorum_percent=0, electorate="all",
                    public_votes=True, period_days=7)
    public = _open(session, pool["members"][0])
    _vote_all(session, public, pool["members"][:2], ["yes", "no"])
    closing.close_due(session, NOW + timedelta(days=8))
    assert public_ballot(session, secret) is None
    assert decision_dict(secret)["votes"] is None and "Member" not in str(decision_dict(secret))
    assert sorted(c for _, c in public_ballot(session, public)) == ["no", "yes"]


def test_comments_keep_their_history_and_only_the_author_edits(session, pool):
    proposal = _open(session, pool["members"][0])
    comment = comments.add_comment(session, pool["members"][1], proposal.id, "See https://example.org", NOW)
    with pytest.raises(Forbidden):
        comments.edit_comment(session, pool["members"][2], comment.id, "mine now", NOW)
    comments.edit_comment(session, pool["members"][1], comment.id, "See https://example.org/plan", NOW)
    session.expire_all()
    (listed,) = comments.list_comments(session, proposal)
    assert listed.body.endswith("/plan") and [r.body for r in listed.revisions] == ["See https://example.org"]
    with pytest.raises(ValidationFailed):
        comments.add_comment(session, pool["members"][1], proposal.id, "   ", NOW)
