"""Check-out and check-in, meter readings, damage reports and repairs, no-shows, reminders, overdue returns."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.jobs import flag_overdue_returns, no_show_counts, release_no_shows, send_reminders
from fleet.booking.bookings import book_asset
from fleet.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from fleet.allocation.flexible_requests import RequestInput, submit_request
from fleet.booking.handover import (
    DamageInput, check_in, check_out, last_meter_reading, recorded_use, repair_damage, report_damage,
)
from fleet.models import AssetStatus, BookingStatus, DamageStatus, MeterUnit, Notification, RequestStatus, Role
from fleet.booking.photos import clean_photo
from tests.helpers import at

LIMIT = 10 * 1024 * 1024  # the photo limit the app passes in (PHOTO_MAX_BYTES)

START = at(2, 9)


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Farm", opening_hours="24/7")
    cars = make.category(name="Cars", condition_checklist="clean\nfuel full", no_show_grace_minutes=30)
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    drills = make.category(name="Drills", capability_schema={}, no_show_grace_minutes=None)
    drill = make.asset(drills, hub, name="Drill", capabilities={})
    tractors = make.category(name="Tractors", handover_by_coordinator=True, capability_schema={})
    tractor = make.asset(tractors, hub, name="Tractor", capabilities={}, meter_unit=MeterUnit.hours)
    return dict(hub=hub, cars=cars, car=car, drill=drill, tractor=tractor, member=make.member(),
                next_member=make.member(), coordinator=make.member(Role.coordinator))


def png_bytes(mode="RGB") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (8, 8), (200, 10, 10) if mode == "RGB" else (200, 10, 10, 128)).save(out, format="PNG")
    return out.getvalue()


def booked(session, pool, asset="car", start=START, end=None, member="member"):
    return book_asset(session, pool[member], pool[asset].id, start, end or start + timedelta(hours=3),
                      start - timedelta(days=1))


def test_check_out_then_in_records_the_meter_and_checklist(session, pool):
    b = booked(session, pool)
    check_out(session, pool["member"], b.id, START, meter_reading=1200, checklist={"clean"})
    assert b.status == BookingStatus.checked_out and b.is_holding
    result = check_in(session, pool["member"], b.id, b.end_at, meter_reading=1260.5,
                      checklist={"clean": True, "fuel full": True})
    assert b.status == BookingStatus.completed and not result.returned_early and not result.returned_late
    assert last_meter_reading(session, pool["car"].id) == 1260.5
    assert recorded_use(session, b.id) == pytest.approx(60.5)


def test_meter_readings_going_backwards_are_refused(session, pool):
    first = booked(session, pool)
    check_out(session, pool["member"], first.id, START, meter_reading=1200)
    with pytest.raises(ValidationFailed, match="below the last"):
        check_in(session, pool["member"], first.id, first.end_at, meter_reading=1199)
    check_in(session, pool["member"], first.id, first.end_at, meter_reading=1300)
    second = booked(session, pool, start=at(3, 9))
    with pytest.raises(ValidationFailed, match="meters do not run backwards"):
        check_out(session, pool["member"], second.id, at(3, 9), meter_reading=1250)
    with pytest.raises(ValidationFailed, match="meter reading"):
        check_out(session, pool["member"], second.id, at(3, 9))  # a car with a meter needs a reading


def test_check_in_without_check_out_is_refused(session, pool):
    b = booked(session, pool, asset="drill")
    with pytest.raises(Conflict, match="not checked out"):
        check_in(session, pool["member"], b.id, START + timedelta(hours=1))
    assert b.status == BookingStatus.confirmed


def test_checklist_items_must_be_the_categorys(session, pool):
    b = booked(session, pool)
    with pytest.raises(ValidationFailed, match="not on the checklist"):
        check_out(session, pool["member"], b.id, START, meter_reading=1, checklist={"polished"})


def test_check_out_only_in_its_window_and_only_once(session, pool):
    b = booked(session, pool, asset="drill")
    with pytest.raises(Conflict, match="opens 15 minutes"):
        check_out(session, pool["member"], b.id, START - timedelta(hours=1))
    check_out(session, pool["member"], b.id, START - timedelta(minutes=10))
    with pytest.raises(Conflict, match="already checked out"):
        check_out(session, pool["member"], b.id, START)


def test_only_a_coordinator_hands_over_when_the_category_says_so(session, pool):
    b = booked(session, pool, asset="tractor")
    with pytest.raises(Forbidden, match="by a coordinator"):
        check_out(session, pool["member"], b.id, START, meter_reading=10)
    check_out(session, pool["coordinator"], b.id, START, meter_reading=10)
    with pytest.raises(NotFound):  # someone else's booking does not exist for this member
        check_in(session, pool["next_member"], b.id, START + timedelta(hours=1), meter_reading=11)
    check_in(session, pool["coordinator"], b.id, START + timedelta(hours=3), meter_reading=12)


def test_early_return_frees_the_rest_of_the_slot_for_the_waitlist(session, pool, make):
    b = booked(session, pool, asset="drill")
    waiting = submit_request(session, pool["next_member"], RequestInput(
        category_id=pool["drill"].category_id, earliest_start=START, latest_end=START + timedelta(hours=3),
        duration_minutes=60, requires={}), START - timedelta(hours=1))
    assert waiting.status == RequestStatus.waitlisted
    check_out(session, pool["member"], b.id, START)
    back = START + timedelta(minutes=45)
    result = check_in(session, pool["member"], b.id, back)
    assert result.returned_early and b.end_at == back and b.status == BookingStatus.completed
    assert waiting.status == RequestStatus.assigned
    assert waiting.booking.start_at >= back and waiting.booking.asset_id == pool["drill"].id


def test_late_return_flags_the_next_booking_at_once(session, pool):
    b = booked(session, pool, asset="drill")
    nxt = booked(session, pool, asset="drill", start=START + timedelta(hours=3), member="next_member")
    check_out(session, pool["member"], b.id, START)
    late = START + timedelta(hours=3, minutes=40)
    result = check_in(session, pool["member"], b.id, late)
    assert result.returned_late and result.flagged == [nxt]
    assert "returned late" in nxt.attention
    kinds = session.execute(select(Notification.member_id, Notification.kind)
                            .where(Notification.kind == "overdue_return")).all()
    assert (pool["next_member"].id, "overdue_return") in kinds
    assert (pool["coordinator"].id, "overdue_return") in kinds


def test_overdue_job_tells_member_and_flags_next_booking_once(session, pool):
    b = booked(session, pool, asset="drill")
    nxt = booked(session, pool, asset="drill", start=START + timedelta(hours=4), member="next_member")
    check_out(session, pool["member"], b.id, START)
    now = b.end_at + timedelta(minutes=5)
    assert flag_overdue_returns(session, now) == [b]
    assert "overdue" in nxt.attention
    flag_overdue_returns(session, now + timedelta(minutes=5))  # nothing twice
    to_member = session.scalars(select(Notification).where(Notification.member_id == pool["member"].id,
                                                           Notification.kind == "overdue_return")).all()
    to_next = session.scalars(select(Notification).where(Notification.member_id == pool["next_member"].id,
                                                         Notification.kind == "overdue_return")).all()
    assert len(to_member) == 1 and len(to_next) == 1


def test_unusable_damage_puts_the_asset_in_maintenance_until_repaired(session, pool):
    b = booked(session, pool, asset="drill")
    later = booked(session, pool, asset="drill", start=at(4, 9), member="next_member")
    check_out(session, pool["member"], b.id, START)
    result = check_in(session, pool["member"], b.id, START + timedelta(hours=3),
                      damage=DamageInput("Chuck cracked", unusable=True))
    report = result.damage
    assert report.unusable and report.status == DamageStatus.open
    assert pool["drill"].status == AssetStatus.maintenance
    assert later.attention  # no equivalent drill: re-planning flagged it, never dropped
    told = session.scalars(select(Notification.member_id).where(Notification.kind == "damage_reported")).all()
    assert told == [pool["coordinator"].id]
    with pytest.raises(Forbidden):
        repair_damage(session, pool["member"], report.id, START + timedelta(days=1), cost_minor=1500)
    repair_damage(session, pool["coordinator"], report.id, START + timedelta(days=1), cost_minor=1500,
                  currency="eur", note="new chuck")
    assert report.status == DamageStatus.repaired and report.repair_cost_minor == 1500 and report.currency == "EUR"
    assert pool["drill"].status == AssetStatus.active


def test_damage_photo_is_reencoded_and_stored_under_a_generated_name(session, pool, tmp_path):
    report = report_damage(session, pool["member"], pool["car"].id, START, description="Scratch on the door",
                           photo=png_bytes(), photo_dir=tmp_path, photo_max_bytes=LIMIT)
    assert report.photo_name and report.photo_name.endswith(".jpg") and report.photo_content_type == "image/jpeg"
    assert (tmp_path / report.photo_name).read_bytes()[:2] == b"\xff\xd8"
    assert pool["car"].status == AssetStatus.active  # usable damage keeps the asset in use


@pytest.mark.parametrize("payload", [
    b"<html><body><script>alert(1)</script></body></html>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"GIF89a<script>alert(1)</script>",
    b"\x89PNG\r\n\x1a\n<html>not really</html>",
    b"",
])
def test_a_photo_that_is_not_an_image_is_refused(payload):
    with pytest.raises(ValidationFailed):
        clean_photo(payload, max_bytes=LIMIT)


def test_clean_photo_strips_metadata_and_keeps_transparency():
    from PIL import Image

    img = Image.new("RGB", (4, 4))
    exif = img.getexif()
    exif[0x010F] = "SecretCam"  # camera make
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    cleaned, ext = clean_photo(out.getvalue(), max_bytes=LIMIT)
    assert ext == "jpg" and b"SecretCam" not in cleaned
    assert clean_photo(png_bytes("RGBA"), max_bytes=LIMIT)[1] == "png"


def test_no_show_released_by_the_job_frees_the_slot(session, pool):
    b = booked(session, pool)  # cars: 30 minutes' grace
    drill = booked(session, pool, asset="drill")  # drills: no grace set, never released
    waiting = submit_request(session, pool["next_member"], RequestInput(
        category_id=pool["cars"].id, earliest_start=START, latest_end=START + timedelta(hours=3),
        duration_minutes=60, requires={}), START - timedelta(hours=1))
    assert waiting.status == RequestStatus.waitlisted
    assert release_no_shows(session, START + timedelta(minutes=29)) == []
    released = release_no_shows(session, START + timedelta(minutes=31))
    assert released == [b] and b.status == BookingStatus.no_show and not b.is_holding
    assert drill.status == BookingStatus.confirmed
    assert waiting.status == RequestStatus.assigned
    assert release_no_shows(session, START + timedelta(minutes=40)) == []
    assert no_show_counts(session, START) == {pool["member"].id: 1}
    with pytest.raises(Conflict):
        check_out(session, pool["member"], b.id, START + timedelta(minutes=35), meter_reading=1)


def test_checked_out_bookings_are_never_no_shows(session, pool):
    b = booked(session, pool)
    check_out(session, pool["member"], b.id, START + timedelta(minutes=5), meter_reading=5)
    assert release_no_shows(session, START + timedelta(hours=1)) == []


def test_reminders_are_sent_once(session, pool):
    b = booked(session, pool)
    assert send_reminders(session, START - timedelta(hours=30)) == []
    assert send_reminders(session, START - timedelta(hours=20)) == [b]
    assert send_reminders(session, START - timedelta(hours=10)) == []
