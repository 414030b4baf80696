"""The asset page's availability grid: a week of hourly slots and a month of days in the hub's zone, opening
hours shaded, busy slots marked, free slots as links that prefill the booking form (no JavaScript needed)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from fleet.booking.availability_grid import SlotState, week_grid
from fleet.models import MaintenanceWindow
from tests.helpers import login

SLOT = re.compile(r'<td class="slot slot-(\w+)"[^>]*data-slot-start="([0-9T:-]+)"')


def slot_states(html: str) -> dict[str, str]:
    return {start: state for state, start in SLOT.findall(html)}


@pytest.fixture
def drill(make, session):
    """A drill at a New York hub open on weekdays 09:00-17:00, booked on Tuesday 8 January 2030 10:00-12:00
    New York time (15:00-17:00 UTC)."""
    hub = make.hub(name="Brooklyn", timezone="America/New_York", opening_hours="Mon-Fri 09:00-17:00")
    asset = make.asset(make.category(name="Drills", min_duration_minutes=30), hub, name="Drill")
    member = make.member(email="me@example.org")
    make.booking(asset, make.member(), datetime(2030, 1, 8, 15, tzinfo=timezone.utc),
                 datetime(2030, 1, 8, 17, tzinfo=timezone.utc))
    session.add(MaintenanceWindow(asset_id=asset.id, start_at=datetime(2030, 1, 10, 19, tzinfo=timezone.utc),
                                  end_at=datetime(2030, 1, 10, 21, tzinfo=timezone.utc)))
    session.commit()
    return dict(asset=asset, member=member)


def test_week_grid_in_the_hubs_zone_with_hours_shaded_and_busy_slots(client, drill):
    html = client.get(f"/assets/{drill['asset'].id}", query_string={"week": "2030-01-09"}).get_data(as_text=True)
    states = slot_states(html)
    # the rows run from the earliest opening to the latest closing, in New York time
    assert min(states)[11:] == "09:00" and max(s[11:] for s in states) == "16:00"
    assert states["2030-01-08T10:00"] == states["2030-01-08T11:00"] == "busy"       # 15:00-17:00 UTC
    assert states["2030-01-08T09:00"] == states["2030-01-08T12:00"] == "free"
    assert states["2030-01-10T14:00"] == states["2030-01-10T15:00"] == "busy"       # maintenance, 19-21 UTC
    assert states["2030-01-12T10:00"] == states["2030-01-13T10:00"] == "closed"     # the weekend
    assert "America/New_York" in html and ": booked" in html and ": maintenance" in html


def test_a_free_slot_is_a_link_that_prefills_the_booking_form(client, drill):
    login(client, "me@example.org")
    page = client.get(f"/assets/{drill['asset'].id}", query_string={"week": "2030-01-07"}).get_data(as_text=True)
    link = re.search(r'<a href="([^"]*start=2030-01-08T09:00[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "end=2030-01-08T10:00" in link and link.endswith("#book")
    # no busy or closed slot is a link
    assert "start=2030-01-08T10:00" not in page and "start=2030-01-12T10:00" not in page
    prefilled = client.get(link.split("#")[0]).get_data(as_text=True)
    assert 'id="start" name="start" type="datetime-local" value="2030-01-08T09:00"' in prefilled
    assert 'id="end" name="end" type="datetime-local" value="2030-01-08T10:00"' in prefilled
    assert slot_states(prefilled)["2030-01-08T09:00"] == "free"  # the grid shows the picked slot's week
    # any week, without JavaScript: a plain form takes a date
    jump = re.search(r'<form method="get" action="([^"]+)" class="week-jump">(.*?)</form>', page, re.S)
    assert jump and 'name="week" type="date" value="2030-01-07"' in jump.group(2)


def test_month_grid_marks_days(client, drill):
    html = client.get(f"/assets/{drill['asset'].id}",
                      query_string={"view": "month", "month": "2030-01"}).get_data(as_text=True)
    days = {int(n): state for state, n in re.findall(r'<td class="day day-(\w+)[^"]*">\s*<a [^>]*>(\d+)<', html)}
    assert len(days) == 31
    assert days[8] == "partly" and days[10] == "partly" and days[7] == "free"
    assert days[5] == days[6] == "closed"
    assert 'week=2030-01-08' in html  # a day opens its week


def test_a_bad_week_shows_the_current_one(client, drill):
    r = client.get(f"/assets/{drill['asset'].id}", query_string={"week": "not-a-date", "view": "month",
                                                                  "month": "2030-13"})
    assert r.status_code == 200 and "month-grid" in r.get_data(as_text=True)


def test_week_grid_across_a_dst_change(session, make):
    """New York springs forward on Sunday 10 March 2030: 02:00-03:00 does not exist; the 01:00 slot ends at
    03:00 local (one real hour later)."""
    asset = make.asset(make.category(), make.hub(timezone="America/New_York", opening_hours="24/7"))
    session.flush()
    grid = week_grid(session, asset, datetime(2030, 3, 4).date(), datetime(2030, 1, 1, tzinfo=timezone.utc))
    sunday = grid.days[6]
    by_hour = {s.local_start.hour: s for s in sunday.slots}
    assert by_hour[2].state == SlotState.gap and by_hour[2].start is None
    assert by_hour[1].end - by_hour[1].start == by_hour[3].end - by_hour[3].start
    assert by_hour[1].end == by_hour[3].start
    assert all(s.state == SlotState.free for h, s in by_hour.items() if h != 2)


def test_a_refused_booking_shows_the_week_it_asked_for(client, drill):
    """The slot was taken meanwhile: the page comes back with the error, the form as sent and that week."""
    login(client, "me@example.org")
    r = client.post("/bookings", data={"asset_id": drill["asset"].id, "start": "2030-01-08T10:00",
                                       "end": "2030-01-08T11:00"})
    html = r.get_data(as_text=True)
    assert r.status_code in (409, 422) and 'value="2030-01-08T10:00"' in html
    assert slot_states(html)["2030-01-08T10:00"] == "busy"


def test_the_asset_form_keeps_use_instructions(client, make, session):
    from fleet.models import Asset, Role

    make.member(Role.coordinator, email="cora@example.org")
    asset = make.asset(make.category(name="Vans"), make.hub(name="Depot"), name="Van")
    session.commit()
    login(client, "cora@example.org")
    form = client.get(f"/manage/assets/{asset.id}/edit").get_data(as_text=True)
    assert 'name="use_instructions"' in form
    r = client.post(f"/manage/assets/{asset.id}/edit", data={
        "name": "Van", "category_id": asset.category_id, "hub_id": asset.hub_id, "status": "active",
        "currency": "EUR", "use_instructions": "Key in the key safe.\nCode 4711."})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Asset, asset.id).use_instructions == "Key in the key safe.\nCode 4711."
    long = client.post(f"/manage/assets/{asset.id}/edit", data={
        "name": "Van", "category_id": asset.category_id, "hub_id": asset.hub_id, "status": "active",
        "currency": "EUR", "use_instructions": "x" * 4001})
    assert long.status_code == 422 and 'id="use_instructions-error"' in long.get_data(as_text=True)


def test_a_zone_whose_clocks_skip_midnight(session, make):
    """Havana springs forward at 00:00 (8 March 2026): that day has no midnight slot, and the grid still works."""
    asset = make.asset(make.category(), make.hub(timezone="America/Havana", opening_hours="24/7"))
    session.flush()
    grid = week_grid(session, asset, datetime(2026, 3, 2).date(), datetime(2026, 1, 1, tzinfo=timezone.utc))
    sunday = {s.local_start.hour: s for s in grid.days[6].slots}
    assert sunday[0].state == SlotState.gap and sunday[1].state == SlotState.free
    # a grid may start on that very day: its first midnight does not exist
    grid = week_grid(session, asset, datetime(2026, 3, 8).date(), datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert grid.days[0].slots[0].state == SlotState.gap and grid.days[1].slots[0].state == SlotState.free
