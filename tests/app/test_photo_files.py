"""Damage photo files on the pages: a request that rolls back leaves no file; `flask bookings clean-photos`
lists old unreferenced files by default and deletes them only with --delete."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.core.errors import Conflict
from fleet.models import DamageReport, MeterUnit
from fleet.booking.photos import store_photo
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
    cars = make.category(name="Cars", condition_checklist="clean", no_show_grace_minutes=30)
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    member = make.member(email="mia@example.org", name="Mia")
    now = utcnow()
    booking = book_asset(session, member, car.id, now + timedelta(minutes=5), now + timedelta(hours=3),
                         now - timedelta(hours=1))
    session.commit()
    return dict(car=car, member=member, booking=booking)


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def files(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_a_check_in_refused_after_its_photo_was_stored_leaves_no_file(client, session, pool, photos, monkeypatch):
    import fleet.booking.handover

    login(client, "mia@example.org")
    b = pool["booking"]
    assert client.post(f"/bookings/{b.id}/check-out", data={"meter_reading": "1000"}).status_code == 302
    written = []
    real_store = fleet.booking.handover.store_photo

    def store_and_note(*args, **kwargs):
        written.append(real_store(*args, **kwargs))
        return written[-1]

    def refuse(*args, **kwargs):
        raise Conflict("The asset cannot be taken out of service now.")

    monkeypatch.setattr(fleet.booking.handover, "store_photo", store_and_note)
    monkeypatch.setattr(fleet.booking.handover, "take_out_of_service", refuse)  # fails after the photo is written
    r = client.post(f"/bookings/{b.id}/check-in", content_type="multipart/form-data",
                    data={"meter_reading": "1010", "damage_description": "Flat tyre", "unusable": "on",
                          "photo": (io.BytesIO(png()), "tyre.png")})
    assert r.status_code == 409
    assert len(written) == 1 and files(photos) == []
    assert session.scalars(select(DamageReport)).all() == []


def test_a_committed_damage_report_keeps_its_photo(client, session, pool, photos):
    login(client, "mia@example.org")
    r = client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                    data={"damage_description": "Dent", "photo": (io.BytesIO(png()), "dent.png")})
    assert r.status_code == 302
    report = session.scalars(select(DamageReport)).one()
    assert files(photos) == [report.photo_name]


def _aged(path, hours: float) -> None:
    stamp = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_clean_photos_lists_by_default_and_deletes_only_unreferenced_old_files(app, client, session, pool, photos):
    login(client, "mia@example.org")
    client.post(f"/assets/{pool['car'].id}/damage", content_type="multipart/form-data",
                data={"damage_description": "Dent", "photo": (io.BytesIO(png()), "dent.png")})
    referenced = session.scalars(select(DamageReport)).one().photo_name
    old = store_photo(photos, b"left by a crash", "jpg")
    young = store_photo(photos, b"a transaction still open", "jpg")
    for name, hours in ((referenced, 5), (old, 2), (young, 0.2)):
        _aged(photos / name, hours)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["bookings", "clean-photos"])
    assert dry.exit_code == 0, dry.output
    assert old in dry.output and referenced not in dry.output and young not in dry.output
    assert "1 unreferenced photo file" in dry.output and "dry run" in dry.output
    assert files(photos) == sorted([referenced, old, young])

    done = runner.invoke(args=["bookings", "clean-photos", "--delete"])
    assert done.exit_code == 0, done.output
    assert "1 deleted" in done.output
    assert files(photos) == sorted([referenced, young])

    assert runner.invoke(args=["bookings", "clean-photos", "--min-age-hours", "0.1"]).exit_code != 0
