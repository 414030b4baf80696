"""The governance pages: a member opens a proposal, votes and comments; bad input is a form error that keeps
what was typed; a coordinator turns a plan recommendation into a proposal and applies a passed decision; the
public record (page, CSV, Atom) names nobody for a secret ballot."""
from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.governance import closing, proposals, votes
from fleet.models import AssetStatus, PlanningRun, PlanningStatus, Proposal, ProposalStatus, Role, Vote
from tests.helpers import login

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def pool(make, session):
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora Coordinator")
    alice = make.member(email="alice@example.org", name="Alice Example")
    bob = make.member(email="bob@example.org", name="Bob Example")
    north, south = make.hub(name="North"), make.hub(name="South")
    bikes = make.category(name="Cargo bikes", capability_schema={})
    bike = make.asset(bikes, north, name="Bakfiets", capabilities={}, purchase_cost_minor=300000)
    session.commit()
    return dict(coordinator=coordinator, alice=alice, bob=bob, north=north, south=south, bikes=bikes, bike=bike)


def _closed(session, author, voters, choices, **kw):
    p = proposals.open_proposal(session, author, utcnow() - timedelta(days=8), **{"kind": "free_text",
                                                                                  "title": "Old question", **kw})
    for m, c in zip(voters, choices):
        votes.cast_vote(session, m, p.id, c, "", utcnow() - timedelta(days=7))
    closing.close_due(session, utcnow())
    session.commit()
    return p


def test_a_member_opens_votes_changes_and_comments(client, pool, session):
    login(client, "alice@example.org")
    answer = client.post("/proposals/new", data={"kind": "acquire", "title": "A second bike for South",
                                                  "category_id": pool["bikes"].id, "target_hub_id": pool["south"].id,
                                                  "amount": "2500.00", "currency": "EUR", "body": "See https://x.org"})
    assert answer.status_code == 302
    proposal = session.scalar(select(Proposal))
    assert proposal.amount_minor == 250000 and proposal.eligible_count == 3
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'href="https://x.org"' in page and "EUR 2,500.00" in page
    assert client.post(f"/proposals/{proposal.id}/vote", data={"choice": "no"}).status_code == 302
    assert client.post(f"/proposals/{proposal.id}/vote", data={"choice": "yes"}).status_code == 302
    assert session.scalar(select(func.count()).select_from(Vote)) == 1
    client.post(f"/proposals/{proposal.id}/comments", data={"body": "Good idea <script>"})
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Good idea &lt;script&gt;" in page and "1 of 3 eligible members have voted" in page


def test_bad_input_is_a_form_error_that_keeps_the_input(client, pool, session):
    login(client, "alice@example.org")
    answer = client.post("/proposals/new", data={"kind": "acquire", "title": "Keep me", "amount": "12.345"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'value="Keep me"' in page and 'aria-invalid="true"' in page
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0
    p = proposals.open_proposal(session, pool["coordinator"], utcnow(), kind="free_text", title="Q")
    session.commit()
    assert client.post(f"/proposals/{p.id}/vote", data={"choice": "maybe"}).status_code == 422
    assert client.post("/proposals/rules", data={"method": "majority"}).status_code == 403


def test_a_coordinator_proposes_from_a_plan_and_applies_the_passed_decision(client, pool, session):
    now = utcnow()
    b = str(pool["bike"].id)
    report = {"categories": [{"category": str(pool["bikes"].id), "assets": 1, "demand": {"requests": 9, "hours": 30},
                              "base": {"served": 5, "requests": 9}, "asset_hours": {b: 20.0}}],
              "acquisitions": [], "moves": [],
              "retirements": [{"asset": b, "category": str(pool["bikes"].id), "hub": str(pool["north"].id),
                               "before": {"served": 5, "requests": 9}, "loss_weighted_hours": 0.0,
                               "impact": {"impact": {"co2e_kg": {"low": 80, "central": 100, "high": 130}},
                                          "purchase_cost": []}}],
              "names": {"categories": {str(pool["bikes"].id): "Cargo bikes"}, "assets": {b: "Bakfiets"},
                        "hubs": {str(pool["north"].id): "North"}}}
    run = PlanningRun(pool_id=pool["bikes"].pool_id, started_by_id=pool["coordinator"].id, created_at=now, period_start=now - timedelta(days=28),
                      period_end=now, time_limit_seconds=5, status=PlanningStatus.finished,
                      instance_json="{}", result_json=json.dumps(report))
    session.add(run)
    session.commit()
    login(client, "alice@example.org")
    assert client.post("/proposals/from-plan", data={"run_id": run.id, "section": "retirement",
                                                     "index": 0}).status_code == 403
    login(client, "coord@example.org")
    answer = client.post("/proposals/from-plan", data={"run_id": run.id, "section": "retirement", "index": 0})
    assert answer.status_code == 302
    proposal = session.scalar(select(Proposal))
    assert proposal.kind.value == "retire" and proposal.evidence["unmet_demand"]["unserved"] == 4
    assert proposal.evidence["impact_band_co2e_kg"]["high"] == 130
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "4 of 9 requests not served" in page
    for m in (pool["alice"], pool["bob"]):
        votes.cast_vote(session, m, proposal.id, "yes", "", utcnow())
    proposal.opened_at = utcnow() - timedelta(days=7)
    proposal.closes_at = utcnow() + timedelta(seconds=1)  # the period ends
    closing.close_due(session, utcnow() + timedelta(minutes=1))
    session.commit()
    assert pool["bike"].status == AssetStatus.active  # nothing is applied without a coordinator
    answer = client.post(f"/proposals/{proposal.id}/apply")
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(Proposal, proposal.id).status == ProposalStatus.applied
    assert session.get(type(pool["bike"]), pool["bike"].id).status == AssetStatus.retired
    assert "on the authority of this decision" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_the_public_record_names_nobody_for_a_secret_ballot(client, pool, session):
    _closed(session, pool["alice"], [pool["alice"], pool["bob"]], ["yes", "no"])
    for path in ("/pool/decisions", "/pool/decisions.csv", "/pool/decisions.atom"):
        body = client.get(path).get_data(as_text=True)
        assert "Old question" in body
        assert "Alice" not in body and "Bob" not in body
    login(client, "coord@example.org")  # coordinators see turnout, not who voted what
    p = session.scalar(select(Proposal))
    page = client.get(f"/proposals/{p.id}").get_data(as_text=True)
    assert "Turnout 2 of 3" in page and "Alice Example" in page  # the author's name, as author
    assert "Votes (public)" not in page


def test_the_atom_feed_is_well_formed_atom(client, pool, session):
    _closed(session, pool["alice"], [pool["alice"]], ["yes"])
    answer = client.get("/pool/decisions.atom")
    assert answer.mimetype == "application/atom+xml"
    feed = ET.fromstring(answer.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    for name in ("id", "title", "updated", "summary"):
        assert entries[0].find(f"{ATOM}{name}").text
    assert entries[0].find(f"{ATOM}link").get("href").endswith(f"/pool/decisions/{session.scalar(select(Proposal.id))}")


def test_a_public_vote_shows_the_names_once_closed(client, pool, session):
    from fleet.governance import rules

    rules.set_rules(session, pool["coordinator"], utcnow(), method="majority", quorum_percent=0, electorate="all",
                    public_votes=True, period_days=7)
    p = _closed(session, pool["alice"], [pool["bob"]], ["no"])
    assert "Bob Example" in client.get(f"/pool/decisions/{p.id}").get_data(as_text=True)
    assert "Bob Example" in client.get("/pool/decisions.csv").get_data(as_text=True)


def test_the_tick_closes_due_proposals_once(app, pool, session):
    from app.jobs import run_booking_jobs

    p = proposals.open_proposal(session, pool["alice"], utcnow() - timedelta(days=8), kind="free_text", title="Q")
    votes.cast_vote(session, pool["bob"], p.id, "yes", "", utcnow() - timedelta(days=7))
    session.commit()
    first = run_booking_jobs(app)
    assert first["decisions_closed"] == 1
    assert run_booking_jobs(app)["decisions_closed"] == 0
    session.expire_all()
    assert session.get(Proposal, p.id).status == ProposalStatus.passed


def test_a_coordinator_sets_the_rules_on_the_page(client, pool, session):
    from fleet.governance.rules import current_rules

    login(client, "coord@example.org")
    assert client.get("/proposals/rules").status_code == 200
    bad = client.post("/proposals/rules", data={"method": "consent", "quorum_percent": "150", "electorate": "hub",
                                                "period_days": "5", "public_votes": "on"})
    assert bad.status_code == 422 and 'value="150"' in bad.get_data(as_text=True)
    good = client.post("/proposals/rules", data={"method": "consent", "quorum_percent": "30", "electorate": "hub",
                                                 "period_days": "5", "public_votes": "on"})
    assert good.status_code == 302
    session.expire_all()
    rules = current_rules(session, pool["north"].pool_id)
    assert (rules.method.value, rules.quorum_percent, rules.public_votes, rules.period_days) == ("consent", 30, True, 5)


def test_members_are_not_named_to_each_other_in_a_discussion(client, pool, session):
    from fleet.governance import comments

    p = proposals.open_proposal(session, pool["alice"], utcnow(), kind="free_text", title="Q")
    comments.add_comment(session, pool["bob"], p.id, "I disagree", utcnow())
    comments.add_comment(session, pool["alice"], p.id, "Why?", utcnow())
    session.commit()
    login(client, "bob@example.org")
    page = client.get(f"/proposals/{p.id}").get_data(as_text=True)
    assert "Alice Example" not in page and "the proposer" in page and "you" in page
    login(client, "coord@example.org")
    page = client.get(f"/proposals/{p.id}").get_data(as_text=True)
    assert "Alice Example" in page and "Bob Example" in page
