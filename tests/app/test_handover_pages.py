"""Handover pages: check-out/in forms, photo uploads and serving, QR labels, series pages, notification
preferences, no-show counts for coordinators, and the email outbox (never sent on rollback)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import BookingStatus, DamageReport, MeterUnit, Notification, Role
from fleet.members.notifications import notify
from tests.helpers import login


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    before = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield tmp_path / "photos"
    app.config["PHOTO_DIR"] = before


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Barn")
    cars = make.category(name="Cars", condition_checklist="clean\nfuel full", no_show_grace_minutes=30)
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    member = make.member(email="mia@example.org", name="Mia")
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    now = utcnow()
    booking = book_asset(session, member, car.id, now + timedelta(minutes=5), now + timedelta(hours=3),
                         now - timedelta(hours=1))
    session.commit()
    return dict(car=car, member=member, coordinator=coordinator, booking=booking)


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def test_check_out_and_in_through_the_asset_page(client, session, pool):
    login(client, "mia@example.org")
    page = client.get(f"/assets/{pool['car'].id}/handover").get_data(as_text=True)
    assert "Check out" in page and "fuel full" in page
    b = pool["booking"]
    r = client.post(f"/bookings/{b.id}/check-out", data={"meter_reading": "1000", "checklist": ["clean"]})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(type(b), b.id).status == BookingStatus.checked_out
    r = client.post(f"/bookings/{b.id}/check-in", data={"meter_reading": "990"})
    assert r.status_code == 422 and "run backwards" in r.get_data(as_text=True)
    r = client.post(f"/bookings/{b.id}/check-in", data={"meter_reading": "1042"})
    assert r.status_code == 302
    session.expire_all()
    done = session.get(type(b), b.id)
    assert done.status == BookingStatus.completed and done.end_at < utcnow() + timedelta(minutes=10)  # rest freed


def test_check_in_without_check_out_is_refused_on_the_page(client, pool):
    login(client, "mia@example.org")
    r = client.post(f"/bookings/{pool['booking'].id}/check-in", data={"meter_reading": "5"})
    assert r.status_code == 409 and "not checked out" in r.get_data(as_text=True)


def test_damage_photo_upload_is_served_safely_and_only_to_those_allowed(client, app, session, pool, make, photos):
    login(client, "mia@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Dent", "photo": (io.BytesIO(png()), "../../evil.html")})
    assert r.status_code == 302
    report = session.scalars(select(DamageReport)).one()
    assert report.photo_name.endswith(".jpg") and "evil" not in report.photo_name
    assert (photos / report.photo_name).exists()
    r = client.get(f"/damage/{report.id}/photo")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"] == f"inline; filename=damage-{report.id}.jpg"
    make.member(email="eve@example.org")
    session.commit()
    other = app.test_client()
    login(other, "eve@example.org")
    assert other.get(f"/damage/{report.id}/photo").status_code == 404
    coord = app.test_client()
    login(coord, "coord@example.org")
    assert coord.get(f"/damage/{report.id}/photo").status_code == 200
    assert "Dent" in coord.get("/manage/damage").get_data(as_text=True)


@pytest.mark.parametrize("payload,name", [
    (b"<html><script>alert(1)</script></html>", "photo.jpg"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>', "photo.svg"),
])
def test_html_or_svg_disguised_as_a_photo_is_refused(client, session, pool, payload, name, photos):
    login(client, "mia@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Dent", "photo": (io.BytesIO(payload), name, "image/jpeg")})
    assert r.status_code == 422 and "must be a JPEG" in r.get_data(as_text=True)
    assert session.scalars(select(DamageReport)).all() == []
    assert not photos.exists() or list(photos.iterdir()) == []


def test_unusable_damage_and_repair_from_the_coordinator_page(client, session, pool):
    login(client, "coord@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", data={"damage_description": "Brakes gone", "unusable": "on"})
    assert r.status_code == 302
    session.expire_all()
    assert pool["car"].status.value == "maintenance"
    report = session.scalars(select(DamageReport)).one()
    assert client.post(f"/manage/damage/{report.id}/repair", data={"cost": "120,50", "currency": "EUR"}).status_code == 302
    session.expire_all()
    assert report.repair_cost_minor == 12050 and pool["car"].status.value == "active"


def test_qr_label_is_an_inline_svg_linking_to_the_handover_page(client, app, pool):
    login(client, "coord@example.org")
    r = client.get(f"/assets/{pool['car'].id}/label")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<svg" in body and "<script" not in body
    assert f"/assets/{pool['car'].id}/handover" in body
    member = app.test_client()
    login(member, "mia@example.org")
    assert member.get(f"/assets/{pool['car'].id}/label").status_code == 403


def test_series_pages_create_list_and_cancel(client, session, pool):
    login(client, "mia@example.org")
    assert client.get(f"/series/new?asset_id={pool['car'].id}").status_code == 200
    first = (utcnow() + timedelta(days=7)).date()
    r = client.post("/series", data={"asset_id": pool["car"].id, "first_date": first.isoformat(),
                                     "start_time": "09:00", "end_time": "12:00", "occurrences": "3"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Booked (3)" in page
    assert "every week" in client.get("/series").get_data(as_text=True)
    series_id = int(r.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/series/{series_id}/cancel").status_code == 302
    assert "was cancelled" in client.get(f"/series/{series_id}").get_data(as_text=True)


def test_notification_preferences_and_outbox_delivery(client, app, session, pool):
    from app.mail import deliver_outbox

    sent = []
    app.extensions["mail_sender"] = lambda to, subject, body: sent.append((to, subject))
    try:
        login(client, "mia@example.org")
        assert "Reminder before a booking starts" in client.get("/account/notifications").get_data(as_text=True)
        client.post("/account/notifications", data={"email": ["booking_confirmed"]})
        notify(session, pool["member"].id, "booking_reminder", "Reminder", utcnow())
        notify(session, pool["member"].id, "booking_confirmed", "Confirmed", utcnow())
        session.commit()
        deliver_outbox(app)
        assert sent.count(("mia@example.org", "Commonpool: booking confirmed")) >= 1
        assert ("mia@example.org", "Commonpool: booking reminder") not in sent
        statuses = set(session.scalars(select(Notification.email_status)))
        assert "pending" not in statuses and "skipped" in statuses
    finally:
        app.extensions.pop("mail_sender", None)


def test_outbox_rows_are_not_sent_when_the_transaction_rolls_back(app, session, pool):
    from app.mail import deliver_outbox

    sent = []
    app.extensions["mail_sender"] = lambda to, subject, body: sent.append(body)
    app.config["MAIL_DELIVERY"] = "inline"
    try:
        deliver_outbox(app)  # what the fixture's booking wrote
        sent.clear()
        notify(session, pool["member"].id, "booking_cancelled", "Rolled back", utcnow())
        session.flush()
        session.rollback()
        deliver_outbox(app)
        assert sent == []
        notify(session, pool["member"].id, "booking_cancelled", "Committed", utcnow())
        session.commit()  # inline delivery runs after the commit
        assert sent == ["Committed"]
    finally:
        app.config["MAIL_DELIVERY"] = "off"
        app.extensions.pop("mail_sender", None)


def test_coordinators_see_repeated_no_shows(client, session, make, pool):
    hub_car = pool["car"]
    start = datetime.now(timezone.utc) - timedelta(days=3)
    for day in range(2):
        make.booking(hub_car, pool["member"], start + timedelta(days=day), start + timedelta(days=day, hours=1),
                     status=BookingStatus.no_show)
    session.commit()
    login(client, "coord@example.org")
    page = client.get("/manage/members").get_data(as_text=True)
    assert '<strong class="attention">2</strong>' in page


def test_booking_jobs_command_releases_no_shows(app, session, make, pool):
    late = utcnow() - timedelta(hours=2)
    b = make.booking(pool["car"], pool["member"], late, late + timedelta(hours=1, minutes=30))
    session.commit()
    result = app.test_cli_runner().invoke(args=["bookings", "release-no-shows"])
    assert result.exit_code == 0 and "1 no-show released" in result.output
    session.expire_all()
    assert session.get(type(b), b.id).status == BookingStatus.no_show
