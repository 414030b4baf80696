"""Governance through the API: proposals, votes (secret from everyone else, coordinators included), comments
with their history, the public decision record, the rules, and Idempotency-Key on the POSTs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from fleet.core.db import utcnow
from fleet.governance import closing
from fleet.models import Proposal, Vote
from tests.api.conftest import Api


def _close_all(session):
    for p in session.scalars(select(Proposal)):
        p.opened_at = utcnow() - timedelta(days=8)
        p.closes_at = utcnow() + timedelta(seconds=1)
    closing.close_due(session, utcnow() + timedelta(minutes=1))
    session.commit()


def test_open_vote_and_read_a_proposal(client, api, people, session):
    answer = api.post("/proposals", json={"kind": "free_text", "title": "Longer opening hours"},
                      headers={"Idempotency-Key": "p-1"})
    assert answer.status_code == 201, answer.get_json()
    pid = answer.get_json()["id"]
    again = api.post("/proposals", json={"kind": "free_text", "title": "Longer opening hours"},
                     headers={"Idempotency-Key": "p-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(Proposal)) == 1
    other = Api(client, people["tokens"]["other"])
    assert other.post(f"/proposals/{pid}/votes", json={"choice": "no"}).status_code == 200
    assert other.post(f"/proposals/{pid}/votes", json={"choice": "yes"},
                      headers={"Idempotency-Key": "v-1"}).get_json()["choice"] == "yes"
    assert session.scalar(select(func.count()).select_from(Vote)) == 1
    coordinator = Api(client, people["tokens"]["coordinator"])
    seen = coordinator.get(f"/proposals/{pid}").get_json()
    assert seen["voted"] == 1 and seen["result"] is None and seen["my_vote"] is None and seen["votes"] is None
    assert other.get(f"/proposals/{pid}").get_json()["my_vote"]["choice"] == "yes"
    _close_all(session)
    closed = coordinator.get(f"/proposals/{pid}").get_json()
    assert closed["result"]["yes"] == 1 and closed["result"]["turnout"] == 1 and closed["votes"] is None
    assert other.post(f"/proposals/{pid}/votes", json={"choice": "no"}).status_code == 409


def test_bad_proposals_are_422_and_nothing_is_written(api, session):
    for body in ({"kind": "acquire", "title": "x"}, {"kind": "move", "title": "x", "asset_id": 99},
                 {"kind": "rule_change", "title": "x", "category_id": 1, "change": {}},
                 {"kind": "free_text", "title": "two\nlines"}):
        answer = api.post("/proposals", json=body)
        assert answer.status_code == 422, body
        assert answer.mimetype == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_comments_keep_their_history(api, client, people):
    pid = api.post("/proposals", json={"kind": "free_text", "title": "Q"}).get_json()["id"]
    comment = api.post(f"/proposals/{pid}/comments", json={"body": "first"}).get_json()
    assert Api(client, people["tokens"]["other"]).patch(f"/comments/{comment['id']}",
                                                        json={"body": "mine"}).status_code == 403
    edited = api.patch(f"/comments/{comment['id']}", json={"body": "second"}).get_json()
    assert edited["body"] == "second" and [r["body"] for r in edited["revisions"]] == ["first"]
    listed = api.get(f"/proposals/{pid}/comments").get_json()
    assert listed["total"] == 1


def test_the_public_record_and_the_rules(client, api, people, session):
    coordinator = Api(client, people["tokens"]["coordinator"])
    rules = {"method": "two_thirds", "quorum_percent": 10, "electorate": "all", "public_votes": False,
             "period_days": 5}
    answer = client.put("/api/v1/governance/rules", json=rules,
                        headers={"Authorization": f"Bearer {people['tokens']['member']}"})
    assert answer.status_code == 403
    answer = client.put("/api/v1/governance/rules", json=rules,
                        headers={"Authorization": f"Bearer {people['tokens']['coordinator']}"})
    assert answer.status_code == 200 and coordinator.get("/governance/rules").get_json()["method"] == "two_thirds"
    pid = api.post("/proposals", json={"kind": "free_text", "title": "Q"}).get_json()["id"]
    api.post(f"/proposals/{pid}/votes", json={"choice": "yes"})
    _close_all(session)
    record = client.get("/api/v1/decisions").get_json()  # no token needed
    (decision,) = record["items"]
    assert decision["result"] == "passed" and decision["method"] == "two_thirds" and decision["votes"] is None
    assert decision["facts_url"] == f"/pool/decisions/{pid}"
    assert "member@example.org" not in str(record)
    assert client.get("/api/v1/decisions/999").status_code == 404
