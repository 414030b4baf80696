"""Damage photos of the size phones take: one limit (PHOTO_MAX_BYTES), stated in the forms before upload,
photos under it accepted and scaled down, photos over it refused with 413 and the form kept."""
from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import BookingStatus, DamageReport, MeterUnit
from tests.helpers import login

MB = 1024 * 1024


def phone_photo(width: int = 4000, height: int = 3000, quality: int = 92) -> bytes:
    """A noisy 12 megapixel JPEG of about 5 MB, as a phone takes it: turned by its EXIF orientation, with the
    maker in its metadata."""
    noise = Image.effect_noise((width // 4, height // 4), 40).resize((width, height), Image.Resampling.NEAREST)
    base = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", [base, Image.blend(base, noise, 0.5), noise])
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6             # Orientation: rotate 90 degrees to show
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def photo() -> bytes:
    data = phone_photo()
    assert 4 * MB < len(data) < 8 * MB  # more than twice the old 2 MB request limit
    return data


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    saved = app.config["PHOTO_DIR"], app.config["PHOTO_MAX_BYTES"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield tmp_path / "photos"
    app.config["PHOTO_DIR"], app.config["PHOTO_MAX_BYTES"] = saved


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Barn")
    cars = make.category(name="Cars", condition_checklist="clean\nfuel full")
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    member = make.member(email="mia@example.org", name="Mia")
    now = utcnow()
    booking = book_asset(session, member, car.id, now + timedelta(minutes=5), now + timedelta(hours=3),
                         now - timedelta(hours=1))
    session.commit()
    return dict(car=car, member=member, booking=booking)


def _stored(session, photos) -> Image.Image:
    report = session.scalars(select(DamageReport).order_by(DamageReport.id.desc())).first()
    assert report is not None and report.photo_name
    image = Image.open(photos / report.photo_name)
    image.load()
    return image


def test_the_forms_state_the_size_and_type_limits(app, client, session, pool):
    login(client, "mia@example.org")
    hint = "JPEG, PNG, WebP or GIF, at most 10 MB."
    page = client.get(f"/assets/{pool['car'].id}/handover").get_data(as_text=True)
    assert page.count(hint) == 2 and 'id="photo-hint"' in page  # the check-out form and the damage report
    assert client.post(f"/bookings/{pool['booking'].id}/check-out", data={"meter_reading": "10"}).status_code == 302
    page = client.get(f"/assets/{pool['car'].id}/handover").get_data(as_text=True)
    assert "Check in" in page and page.count(hint) == 2  # the check-in form and the damage report
    app.config["PHOTO_MAX_BYTES"] = 5 * MB // 2
    assert "at most 2.5 MB" in client.get(f"/assets/{pool['car'].id}/handover").get_data(as_text=True)


def test_a_phone_photo_is_accepted_and_stored_scaled_down_without_its_metadata(client, session, pool, photo, photos):
    login(client, "mia@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Scratched door", "photo": (io.BytesIO(photo), "IMG_0001.JPG")})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    stored = _stored(session, photos)
    assert stored.format == "JPEG" and stored.size == (1536, 2048)  # turned upright, then scaled down
    assert not stored.getexif() and "exif" not in stored.info
    # and through the check-out form, with the other fields
    r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                    data={"meter_reading": "1000", "checklist": ["clean"], "damage_description": "Dent",
                          "photo": (io.BytesIO(photo), "IMG_0002.JPG")})
    assert r.status_code == 302
    assert max(_stored(session, photos).size) == 2048


def test_the_api_accepts_a_phone_photo(app, client, session, pool, photo, photos):
    token, _ = issue_token(session, pool["member"], "phone", utcnow())
    session.commit()
    body = {"description": "Cracked mirror", "photo_base64": base64.b64encode(photo).decode()}
    r = client.post(f"/api/v1/assets/{pool['car'].id}/damage", json=body,
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.get_json()
    assert max(_stored(session, photos).size) == 2048


def test_a_photo_over_the_limit_keeps_the_form_and_says_why_beside_the_photo(app, client, session, pool, photo):
    app.config["PHOTO_MAX_BYTES"] = 2 * MB  # the photo is larger, the body is within what a photo form may send
    login(client, "mia@example.org")
    r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                    data={"meter_reading": "1000", "checklist": ["clean"], "note": "keep this note",
                          "damage_description": "Dent in the boot", "photo": (io.BytesIO(photo), "big.jpg")})
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and r.mimetype == "text/html"
    assert 'id="photo-error"' in html and "The photo is larger than 2 MB." in html
    assert 'value="1000"' in html and 'value="keep this note"' in html and "Dent in the boot</textarea>" in html
    assert 'value="clean" checked' in html and "<details open>" in html
    session.expire_all()
    assert session.get(type(pool["booking"]), pool["booking"].id).status == BookingStatus.confirmed
    assert session.scalar(select(DamageReport.id)) is None


def test_a_body_too_large_to_read_still_answers_with_the_form(app, client, session, pool, photo):
    app.config["PHOTO_MAX_BYTES"] = MB  # a photo form may then send 5 MB; this one is larger
    login(client, "mia@example.org")
    big = photo + b"\0" * (6 * MB - len(photo))
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Dent", "photo": (io.BytesIO(big), "huge.jpg")})
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and r.mimetype == "text/html"
    assert 'id="photo-error"' in html and "The photo is larger than 1 MB." in html
    assert 'action="/assets/%d/damage"' % pool["car"].id in html  # the page with the form, not a bare error
    assert session.scalar(select(DamageReport.id)) is None



def test_a_body_too_large_for_someone_elses_booking_shows_nothing_of_it(app, client, session, make, pool, photo):
    app.config["PHOTO_MAX_BYTES"] = MB
    make.member(email="otto@example.org")
    session.commit()
    login(client, "otto@example.org")
    big = photo + b"\0" * (6 * MB - len(photo))
    r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                    data={"photo": (io.BytesIO(big), "huge.jpg")})
    assert r.status_code in (404, 413) and "Blue car" not in r.get_data(as_text=True)


def test_the_api_answers_413_for_a_photo_over_the_limit(app, client, session, pool, photo):
    app.config["PHOTO_MAX_BYTES"] = 2 * MB
    token, _ = issue_token(session, pool["member"], "phone", utcnow())
    session.commit()
    body = {"description": "Cracked mirror", "photo_base64": base64.b64encode(photo).decode()}
    r = client.post(f"/api/v1/assets/{pool['car'].id}/damage", json=body,
                    headers={"Authorization": f"Bearer {token}"})
    problem = r.get_json()
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert problem["field"] == "photo" and problem["detail"] == "The photo is larger than 2 MB."


def test_the_request_size_limit_follows_the_photo_limit(database_url):
    from app import create_app
    from app.extensions import db

    for photo_limit, body_limit in ((10 * MB, 4 * -(-10 * MB // 3) + MB), (3 * MB, 5 * MB)):
        application = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                             **({} if photo_limit == 10 * MB else {"PHOTO_MAX_BYTES": photo_limit})})
        assert application.config["PHOTO_MAX_BYTES"] == photo_limit
        assert application.config["MAX_CONTENT_LENGTH"] == body_limit  # a base64 photo and 1 MB for the rest
        with application.app_context():
            db.engine.dispose()


def test_with_csrf_on_as_in_production(app, client, session, pool, photo):
    """CSRF protection reads the form before the view does: the photo form is parsed the same way there."""
    import re

    from flask import g

    app.config["PHOTO_MAX_BYTES"], app.config["WTF_CSRF_ENABLED"] = 2 * MB, True
    try:
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": "mia@example.org", "password": "correct horse battery",
                                    "csrf_token": token})
        g.pop("csrf_token", None)  # the test's app context outlives a request; a real one would not keep it
        page = client.get(f"/assets/{pool['car'].id}/handover").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                        data={"csrf_token": token, "meter_reading": "1000", "note": "keep this note",
                              "damage_description": "Dent", "photo": (io.BytesIO(photo), "big.jpg")})
        html = r.get_data(as_text=True)
        assert r.status_code == 413 and 'id="photo-error"' in html and 'value="keep this note"' in html
        big = photo + b"\0" * (9 * MB - len(photo))  # beyond the 9 MB a photo form may then send
        r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                        data={"csrf_token": token, "note": "lost", "photo": (io.BytesIO(big + b"\0"), "huge.jpg")})
        assert r.status_code == 413 and 'id="photo-error"' in r.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
