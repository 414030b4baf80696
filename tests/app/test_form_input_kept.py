"""Forms keep their input and say why they refused: every form with a file keeps its other fields, shows the
error beside the field it is about, and states its size and type limits before upload."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import AssetStatus, DamageReport, MeterUnit, Role
from tests.helpers import login


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    saved = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield
    app.config["PHOTO_DIR"] = saved


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Barn")
    cars = make.category(name="Cars")
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    member = make.member(email="mia@example.org", name="Mia")
    now = utcnow()
    booking = book_asset(session, member, car.id, now + timedelta(minutes=5), now + timedelta(hours=3),
                         now - timedelta(hours=1))
    session.commit()
    return dict(car=car, member=member, booking=booking)


def _truncated_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100)).save(out, format="JPEG")
    return out.getvalue()[:200]


@pytest.mark.parametrize("photo, message", [
    (b"<svg onload=alert(1)></svg>", "The photo must be a JPEG, PNG, WebP or GIF image."),
    (_truncated_jpeg(), "The photo must be a JPEG, PNG, WebP or GIF image."),
    (b"", "The photo is empty."),
])
def test_a_damage_report_with_an_invalid_photo_says_why_beside_the_photo_and_keeps_the_text(
        client, session, pool, photo, message):
    login(client, "mia@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Scratched door", "unusable": "on",
                          "photo": (io.BytesIO(photo), "door.jpg")})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'<span class="error" id="photo-error" role="alert">{message}</span>' in html
    assert 'aria-describedby="photo-hint photo-error" aria-invalid="true"' in html
    assert ">Scratched door</textarea>" in html and 'name="unusable" value="on" checked' in html
    assert session.scalar(select(DamageReport.id)) is None


def test_a_meter_error_at_check_in_keeps_the_damage_text(client, session, pool):
    login(client, "mia@example.org")
    assert client.post(f"/bookings/{pool['booking'].id}/check-out", data={"meter_reading": "100"}).status_code == 302
    for reading, message in (("abc", "is not a number."), ("50", "meters do not run backwards"),
                             ("", "Enter the meter reading")):
        r = client.post(f"/bookings/{pool['booking'].id}/check-in", content_type="multipart/form-data",
                        data={"meter_reading": reading, "note": "left at the barn",
                              "damage_description": "Dent in the boot", "photo": (io.BytesIO(b""), "")})
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and 'id="meter_reading-error"' in html and message in html
        assert ">Dent in the boot</textarea>" in html and 'value="left at the barn"' in html
        assert "<details open>" in html


def test_a_refused_check_out_says_why_and_keeps_what_was_typed(client, session, pool):
    login(client, "mia@example.org")
    pool["car"].status = AssetStatus.maintenance
    session.commit()
    r = client.post(f"/bookings/{pool['booking'].id}/check-out", content_type="multipart/form-data",
                    data={"meter_reading": "10", "damage_description": "Dent in the boot"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "Blue car is maintenance and cannot be checked out." in html
    assert 'value="10"' in html and ">Dent in the boot</textarea>" in html


@pytest.fixture
def importer(make, session):
    make.category(name="Cars")
    make.hub(name="Central")
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()


def test_the_csv_import_states_its_limits_before_upload(client, importer):
    login(client, "coord@example.org")
    html = client.get("/manage/assets/import").get_data(as_text=True)
    assert '<p class="hint" id="file-hint">A CSV file of at most 1024 KiB and 2000 rows.</p>' in html
    assert 'aria-describedby="file-hint"' in html


def test_a_refused_csv_upload_keeps_the_pasted_rows_and_says_why_beside_the_file(client, importer):
    login(client, "coord@example.org")
    pasted = "name,category,hub\nBlue van,Cars,Central\n"
    r = client.post("/manage/assets/import", content_type="multipart/form-data",
                    data={"action": "preview", "csv": pasted, "file": (io.BytesIO(b"\xff\xfe\x00bad"), "a.csv")})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="file-error"' in html and "is not UTF-8 text" in html
    assert 'aria-describedby="file-hint file-error" aria-invalid="true"' in html
    assert pasted in html


def test_a_refusal_for_a_form_no_longer_on_the_page_is_still_said_once(client, session, pool):
    from fleet.models import BookingStatus

    login(client, "mia@example.org")
    pool["booking"].status = BookingStatus.cancelled
    session.commit()
    r = client.post(f"/bookings/{pool['booking'].id}/check-out", data={"meter_reading": "10"})
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and html.count("This booking is cancelled and cannot be checked out.") == 1
