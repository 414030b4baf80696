"""Asset types inside a category in the pool: requests and searches for a type or any of several, making
room and re-planning by type, and the fleet planning instance."""
from __future__ import annotations

import pytest

from fleet.allocation import pool_changes
from fleet.allocation import scheduling_adapter as adapter
from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.booking.availability import AssetQuery, find_available_assets
from fleet.catalogue.asset_types import category_types
from fleet.core.errors import ValidationFailed
from fleet.models import RequestStatus
from tests.helpers import at

pytestmark = pytest.mark.db

NOW = at(0, 6)


@pytest.fixture
def tools(make):
    hub = make.hub(name="Workshop", opening_hours="24/7")
    power = make.category(name="Power tools", capability_schema={"watts": "number"}, min_duration_minutes=60)
    drill = make.asset(power, hub, name="Hammer drill", asset_type="hammer drill", capabilities={"watts": 900})
    jigsaw = make.asset(power, hub, name="Jigsaw", asset_type="Jigsaw", capabilities={"watts": 650})
    scroll = make.asset(power, hub, name="Scroll saw", asset_type="scroll saw", capabilities={"watts": 120})
    return power, drill, jigsaw, scroll


def ask(category, start, end, minutes, types=None, requires=None) -> RequestInput:
    return RequestInput(category_id=category.id, earliest_start=start, latest_end=end, duration_minutes=minutes,
                        requires=requires or {}, asset_types=types)


def test_a_request_for_a_jigsaw_gets_the_jigsaw(session, make, tools):
    power, drill, jigsaw, _ = tools
    request = submit_request(session, make.member(), ask(power, at(2, 8), at(2, 12), 120, [" jigsaw"],
                                                          {"watts": 600}), NOW)
    assert request.status == RequestStatus.assigned
    assert request.booking.asset_id == jigsaw.id
    assert request.asset_types == ["Jigsaw"]  # the category's spelling


def test_without_a_type_any_asset_at_least_as_powerful_will_do(session, make, tools):
    power, drill, jigsaw, _ = tools
    request = submit_request(session, make.member(), ask(power, at(2, 8), at(2, 12), 120, None, {"watts": 600}), NOW)
    assert request.booking.asset_id in (drill.id, jigsaw.id)


def test_an_unknown_type_is_refused_naming_it(session, make, tools):
    power = tools[0]
    with pytest.raises(ValidationFailed) as caught:
        submit_request(session, make.member(), ask(power, at(2, 8), at(2, 12), 120, ["band saw"]), NOW)
    assert caught.value.field == "asset_types" and "band saw" in caught.value.message


def test_any_of_several_types_and_making_room_by_type(session, make, tools):
    power, drill, jigsaw, scroll = tools
    # A takes "a jigsaw or a scroll saw" for 2 hours somewhere in the morning; the optimiser's first choice
    # may be the jigsaw. B then needs exactly the jigsaw for that slot: A moves to the scroll saw, never the drill
    a = submit_request(session, make.member(), ask(power, at(3, 8), at(3, 10), 120, ["jigsaw", "scroll saw"]), NOW)
    assert a.booking.asset_id in (jigsaw.id, scroll.id)
    if a.booking.asset_id == scroll.id:  # put A on the jigsaw so that B has to make room
        adapter.place(session, a, jigsaw, a.booking.start_at, a.booking.end_at, NOW, a.booking)
    b = submit_request(session, make.member(), ask(power, at(3, 8), at(3, 10), 120, ["jigsaw"]), NOW)
    assert b.status == RequestStatus.assigned and b.booking.asset_id == jigsaw.id
    session.refresh(a.booking)
    assert a.booking.asset_id == scroll.id


def test_a_jigsaw_request_waits_rather_than_take_the_drill(session, make, tools):
    power, drill, jigsaw, _ = tools
    make.booking(jigsaw, make.member(), at(2, 8), at(2, 12))
    request = submit_request(session, make.member(), ask(power, at(2, 8), at(2, 12), 120, ["jigsaw"]), NOW)
    assert request.status == RequestStatus.waitlisted


def test_search_by_type(session, make, tools):
    power, drill, jigsaw, scroll = tools
    hits = find_available_assets(session, AssetQuery(category_id=power.id, types=("JIGSAW", "scroll saw")))
    assert {h.asset.id for h in hits} == {jigsaw.id, scroll.id}
    assert category_types(session, power.id) == ["hammer drill", "Jigsaw", "scroll saw"]


def test_an_unusable_asset_hands_its_bookings_to_one_of_the_same_type_only(session, make, tools):
    power, drill, jigsaw, scroll = tools
    twin = make.asset(power, drill.hub, name="Second jigsaw", asset_type="jigsaw", capabilities={"watts": 700})
    assert pool_changes.equivalent(jigsaw, twin)
    assert not pool_changes.equivalent(jigsaw, drill)  # more watts, but not a jigsaw


def test_the_planning_instance_carries_types(session, make, tools):
    power, drill, jigsaw, _ = tools
    make.booking(jigsaw, make.member(), at(-3, 8), at(-3, 10))
    problem = adapter.planning_problem(session, at(-7, 0), at(0, 0))
    assert {a.id: a.type for a in problem.assets}[str(jigsaw.id)] == "Jigsaw"


def test_utilisation_by_type(session, make, tools):
    from fleet.reporting.utilisation import utilisation_report

    power, drill, jigsaw, scroll = tools
    twin = make.asset(power, drill.hub, name="Second jigsaw", asset_type="JIGSAW", capabilities={"watts": 700})
    make.booking(jigsaw, make.member(), at(-3, 8), at(-3, 12))
    report = utilisation_report(session, at(-7, 0), at(0, 0))
    rows = {r.name.casefold(): r for r in report.types}
    assert set(rows) == {"hammer drill", "jigsaw", "scroll saw"}
    assert rows["jigsaw"].assets == 2 and rows["jigsaw"].figures.booked_hours == 4.0
    assert rows["hammer drill"].figures.booked_hours == 0.0
    assert rows["jigsaw"].as_dict()["category"] == "Power tools" and twin.asset_type == "JIGSAW"


def test_impact_counts_a_member_who_borrowed_two_of_one_type_once(session, make, tools):
    from fleet.models import BookingStatus
    from fleet.reporting.impact import impact_report

    power, drill, jigsaw, scroll = tools
    twin = make.asset(power, drill.hub, name="Second jigsaw", asset_type="jigsaw", capabilities={"watts": 700})
    me = make.member()
    make.booking(jigsaw, me, at(-30, 8), at(-30, 12), status=BookingStatus.completed)
    make.booking(twin, me, at(-20, 8), at(-20, 12), status=BookingStatus.completed)
    make.booking(drill, me, at(-10, 8), at(-10, 12), status=BookingStatus.completed)
    report = impact_report(session, at(0, 0))
    (tools_impact,) = [c for c in report.categories if c.category_id == power.id]
    assert tools_impact.counted  # "Power tools" has a default factor row
    n_av = {a.asset_id: a.per_scenario["central"]["n_av"] for a in tools_impact.assets}
    assert n_av[jigsaw.id] + n_av[twin.id] == 1.0  # one jigsaw avoided, not two
    assert n_av[drill.id] == 1.0
