"""One capability rule for the instant path (fleet) and the batch optimiser (scheduling). The text cases
below are the ones two separate rules would judge differently ('diesel' against 'Diesel')."""
from __future__ import annotations

import pytest

from fleet.allocation import scheduling_adapter as adapter
from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.booking.availability import AssetQuery, find_available_assets
from fleet.core.capabilities import capability_matches as fleet_rule
from fleet.models import FlexibleRequest, RequestStatus
from scheduling import check as checker
from scheduling.capabilities import capabilities_hold, capability_matches
from tests.helpers import at

NOW = at(0, 6)

CASES = [
    # (offered, asked, matches)
    ("Diesel", "diesel", True),
    ("diesel", "Diesel", True),
    (" Diesel ", "DIESEL", True),
    ("Diesel", "Petrol", False),
    ("Diesel", "Dies", False),
    (7, 5, True),
    (5, 5, True),
    (4, 5, False),
    (True, 5, False),       # a boolean is not a number
    (True, True, True),
    (False, True, False),
    (None, True, False),
    (None, False, True),    # asking false asks for nothing
    (5, "5", False),        # text meets only text
    (None, "diesel", False),
]


@pytest.mark.parametrize(("have", "want", "expected"), CASES)
def test_the_rule_fleet_uses_is_the_rule_the_optimiser_and_the_checker_use(have, want, expected):
    assert capability_matches(have, want) is expected
    assert fleet_rule(have, want) is expected
    assert capabilities_hold({"x": want}, {} if have is None else {"x": have}) is expected
    assert checker._capability_ok(want, have) is expected


@pytest.fixture
def vans(make, session):
    hub = make.hub(name="Yard", lat=52.09, lon=5.12, opening_hours="24/7")
    category = make.category(name="Vans", capability_schema={"fuel": "text"}, min_duration_minutes=60)
    van = make.asset(category, hub, name="Diesel van", capabilities={"fuel": "Diesel"})
    return dict(hub=hub, category=category, van=van)


@pytest.mark.db
def test_search_and_instant_answer_match_text_regardless_of_case(session, make, vans):
    hits = find_available_assets(session, AssetQuery(category_id=vans["category"].id, available_from=at(2, 8),
                                                     available_until=at(2, 10), requires={"fuel": "diesel"}))
    assert [h.asset.id for h in hits] == [vans["van"].id]
    member = make.member()
    request = submit_request(session, member, RequestInput(
        category_id=vans["category"].id, earliest_start=at(2, 8), latest_end=at(2, 18), duration_minutes=120,
        requires={"fuel": "diesel"}), NOW)
    assert request.status == RequestStatus.assigned
    assert request.booking.asset_id == vans["van"].id


@pytest.mark.db
def test_the_batch_optimiser_serves_the_same_request(session, make, vans):
    member = make.member()
    request = FlexibleRequest(member_id=member.id, category_id=vans["category"].id, requires={"fuel": "DIESEL"},
                              earliest_start=at(2, 8), latest_end=at(2, 18), duration_minutes=120,
                              status=RequestStatus.waitlisted, created_at=NOW, updated_at=NOW)
    session.add(request)
    session.flush()
    assert adapter.statically_eligible(request, vans["van"])
    snapshot = adapter.snapshot_problem(session, [request], NOW)
    solution = adapter.solve(snapshot, time_limit=5)
    assert [(a.request, a.asset) for a in solution.assignments] == [(str(request.id), str(vans["van"].id))]
