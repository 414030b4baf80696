"""Members decide together, in a real browser at phone and desktop size: the demo member votes on the open
proposal (and changes the vote); a coordinator turns a fleet-plan recommendation into a proposal and, once the
members passed it and the tick closed it, applies the decision with one click."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from tests.e2e.test_journeys import assert_accessible

# The assets the synthetic plan recommends retiring, one per viewport (the journeys share one database).
RETIRE = {"phone": "Wallpaper steamer", "desktop": "Lawn scarifier"}


def test_a_member_votes_on_a_phone(visit):
    page = visit.page
    visit.login("member")
    visit.go("/proposals")
    page.click("text=Move the second pressure washer to the farm hub")
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    visit.shot("proposal")
    assert_accessible(visit, "proposal with its discussion")
    page.check("input[name=choice][value=yes]")
    page.click("form[action$='/vote'] button[type=submit]")
    assert page.locator("text=Your vote is recorded").count()
    assert page.is_checked("input[name=choice][value=yes]")
    page.check("input[name=choice][value=abstain]")
    page.click("form[action$='/vote'] button[type=submit]")
    assert page.is_checked("input[name=choice][value=abstain]")
    visit.shot("voted")
    assert_accessible(visit, "after voting")
    visit.go("/pool/decisions")
    assert page.locator("text=Book the farm machinery up to 120 days ahead").count()
    visit.shot("decision-record")
    assert_accessible(visit, "decision record")


def _finished_plan(app, asset_name: str) -> int:
    """A finished fleet plan recommending to retire `asset_name` (its report as the planner writes it)."""
    from app.extensions import db
    from fleet.core.db import utcnow
    from fleet.models import Asset, Member, PlanningRun, PlanningStatus

    with app.app_context():
        asset = db.session.scalar(select(Asset).where(Asset.name == asset_name))
        coordinator = db.session.scalar(select(Member).where(Member.email == "coordinator@demo.commonpool.org"))
        a, c, h = str(asset.id), str(asset.category_id), str(asset.hub_id)
        served = {"status": "optimal", "served": 6, "requests": 6, "weighted_served_hours": 12.0,
                  "upper_bound_weighted_hours": 12.0}
        band = {"low": 20, "central": 30, "high": 45}
        report = {"categories": [{"category": c, "assets": 1, "demand": {"requests": 6, "hours": 12.0},
                                  "base": served, "asset_hours": {a: 0.0}, "fewest": None}],
                  "acquisitions": [], "moves": [], "best_acquisition": None, "solves": 1, "not_evaluated": 0,
                  "moves_evaluated": 0,
                  "retirements": [{"asset": a, "category": c, "hub": h, "before": served, "after": served,
                                   "loss_weighted_hours": 0.0, "evaluated": "idle in the plan",
                                   "impact": {"label": "not spent on replacing it at the end of its life",
                                              "impact": {"co2e_kg": band, "energy_kwh": band, "material_kg": band},
                                              "purchase_cost": []}}],
                  "names": {"categories": {c: asset.category.name}, "assets": {a: asset.name},
                            "hubs": {h: asset.hub.name}}}
        now = utcnow()
        run = PlanningRun(pool_id=asset.category.pool_id, started_by_id=coordinator.id, created_at=now, finished_at=now, status=PlanningStatus.finished,
                          period_start=now - timedelta(days=28), period_end=now, time_limit_seconds=5,
                          instance_json="{}", result_json=json.dumps(report), progress="Finished")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        db.session.remove()
    return run_id


def _members_pass_it_and_the_tick_closes_it(app, proposal_id: int) -> None:
    from app.extensions import db
    from app.governance_jobs import run_governance_jobs
    from fleet.core.db import utcnow
    from fleet.governance.votes import cast_vote
    from fleet.models import Member, Proposal, ProposalVoter

    with app.app_context():
        voters = db.session.scalars(select(Member).join(ProposalVoter, ProposalVoter.member_id == Member.id)
                                    .where(ProposalVoter.proposal_id == proposal_id).order_by(Member.id))
        for member in voters:
            cast_vote(db.session, member, proposal_id, "yes", "", utcnow())
        proposal = db.session.get(Proposal, proposal_id)
        proposal.opened_at = utcnow() - timedelta(days=7)
        proposal.closes_at = utcnow() + timedelta(milliseconds=1)  # its period ends now
        db.session.commit()
        db.session.remove()
    assert run_governance_jobs(app)["decisions_closed"] >= 1


def test_a_coordinator_proposes_from_the_plan_and_applies_the_decision(visit, live_server):
    _base, app = live_server
    page = visit.page
    name = RETIRE[visit.viewport]
    run_id = _finished_plan(app, name)
    visit.login("coordinator")
    visit.go(f"/manage/planning/{run_id}")
    visit.shot("plan")
    page.click(f"text=Propose to retire or sell {name}")
    page.wait_for_url(re.compile(r".*/proposals/\d+$"))
    proposal_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("text=The facts from the fleet plan").count()
    visit.shot("proposal-from-plan")
    assert_accessible(visit, "proposal from a plan")
    _members_pass_it_and_the_tick_closes_it(app, proposal_id)
    visit.go(f"/proposals/{proposal_id}")
    page.click("text=Apply the decision")
    assert page.locator("text=The decision is applied").count()
    assert page.locator("text=on the authority of this decision").count()
    visit.shot("applied")
    assert_accessible(visit, "applied decision")
    visit.go(f"/assets?q={name}")
