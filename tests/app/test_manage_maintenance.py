"""Maintenance windows: entered in the asset's hub zone; bookings they hit are shown first and never cancelled."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from fleet.models import BookingStatus, MaintenanceWindow, Role
from tests.helpers import at, login


def windows(session) -> int:
    return session.scalar(select(func.count()).select_from(MaintenanceWindow))


def local_input(instant: datetime, zone: str = "Europe/Amsterdam") -> str:
    from zoneinfo import ZoneInfo

    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def world(client, make, session):
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    booker = make.member(email="bea@example.org", name="Bea Booker")
    hub = make.hub(name="Harbour hub", timezone="America/New_York")
    van = make.asset(hub=hub, name="Harbour van")
    session.commit()
    login(client, "coord@example.org")
    return dict(coordinator=coordinator, booker=booker, hub=hub, van=van)


def test_window_without_bookings_is_added_in_the_hub_zone(client, session, world):
    url = f"/manage/assets/{world['van'].id}/maintenance"
    page = client.get(url).get_data(as_text=True)
    assert "America/New_York" in page and 'type="datetime-local"' in page
    r = client.post(url, data={"start": "2030-01-15T09:00", "end": "2030-01-15T17:30", "reason": "Yearly service"})
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    window = session.scalar(select(MaintenanceWindow))
    # 09:00 in New York in January is 14:00 UTC
    assert window.start_at == datetime(2030, 1, 15, 14, 0, tzinfo=timezone.utc)
    assert window.end_at == datetime(2030, 1, 15, 22, 30, tzinfo=timezone.utc)
    assert window.created_by_id == world["coordinator"].id
    html = client.get(url).get_data(as_text=True)
    assert "Tue 15 Jan 2030 09:00" in html and "Tue 15 Jan 2030 17:30" in html and "Yearly service" in html


def test_preview_lists_hit_bookings_and_confirm_keeps_them(client, make, session, world):
    booking = make.booking(world["van"], world["booker"], at(5, 14), at(5, 18), status=BookingStatus.confirmed)
    session.commit()
    url = f"/manage/assets/{world['van'].id}/maintenance"
    data = {"start": local_input(at(5, 12), "America/New_York"), "end": local_input(at(5, 16), "America/New_York"),
            "reason": "Brakes"}
    r = client.post(url, data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Bea Booker" in html and "would hit" in html and "moves to an equivalent asset" in html and 'name="action" value="confirm"' in html
    assert f'name="start" value="{data["start"]}"' in html
    assert windows(session) == 0  # the preview writes nothing

    r = client.post(url, data={**data, "action": "confirm"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Maintenance window added" in html and "Bea Booker" in html and "Nothing was cancelled" in html
    assert windows(session) == 1
    session.refresh(booking)
    assert booking.status == BookingStatus.confirmed
    overview = client.get("/manage/").get_data(as_text=True)
    assert "Bookings hit by maintenance (1)" in overview and "Bea Booker" in overview


def test_cancelled_bookings_are_not_hit(client, make, session, world):
    make.booking(world["van"], world["booker"], at(5, 14), at(5, 18), status=BookingStatus.cancelled)
    session.commit()
    r = client.post(f"/manage/assets/{world['van'].id}/maintenance",
                    data={"start": local_input(at(5, 12), "America/New_York"),
                          "end": local_input(at(5, 16), "America/New_York")})
    assert r.status_code == 302 and windows(session) == 1


@pytest.mark.parametrize("zone,start,end,field,message", [
    ("America/New_York", "2030-01-15T17:00", "2030-01-15T09:00", "end", "The end must be after the start"),
    ("America/New_York", "2030-01-15T09:00", "", "end", "Enter a date and time"),
    ("America/New_York", "next tuesday", "2030-01-15T09:00", "start", "is not a date and time"),
    ("Europe/Amsterdam", "2027-03-28T02:30", "2027-03-28T06:00", "start", "does not exist in Europe/Amsterdam"),
])
def test_bad_input_is_refused_and_nothing_is_written(client, session, world, zone, start, end, field, message):
    world["hub"].timezone = zone
    session.commit()
    r = client.post(f"/manage/assets/{world['van'].id}/maintenance",
                    data={"start": start, "end": end, "reason": "Tyres", "action": "confirm"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'id="{field}-error"' in html and message in html and 'value="Tyres"' in html
    assert windows(session) == 0


def test_delete_window(client, make, session, world):
    other = make.asset(hub=world["hub"], name="Other van")
    mine = MaintenanceWindow(asset_id=world["van"].id, start_at=at(3, 8), end_at=at(3, 12), reason="Oil")
    theirs = MaintenanceWindow(asset_id=other.id, start_at=at(3, 8), end_at=at(3, 12), reason="Glass")
    session.add_all([mine, theirs])
    session.commit()
    mine_id, theirs_id = mine.id, theirs.id
    # a window of another asset cannot be deleted through this asset's page
    assert client.post(f"/manage/assets/{world['van'].id}/maintenance/{theirs_id}/delete").status_code == 404
    assert client.get(f"/manage/assets/{world['van'].id}/maintenance/{mine_id}/delete").status_code == 405
    r = client.post(f"/manage/assets/{world['van'].id}/maintenance/{mine_id}/delete")
    assert r.status_code == 302
    assert session.get(MaintenanceWindow, mine_id) is None and session.get(MaintenanceWindow, theirs_id) is not None


def test_unknown_asset_is_404(client, session, world):
    assert client.get("/manage/assets/424242/maintenance").status_code == 404
    r = client.post("/manage/assets/424242/maintenance", data={"start": "2030-01-15T09:00", "end": "2030-01-15T10:00"})
    assert r.status_code == 404 and windows(session) == 0
