"""Damage photo files follow their transaction: a rollback deletes what it wrote, a commit keeps it; the sweep
deletes only old files that no damage report refers to."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.core.errors import Conflict
from fleet.booking.handover import DamageInput, check_in, check_out, report_damage
from fleet.models import DamageReport, MeterUnit
from fleet.booking.photos import (
    delete_photo_files, orphaned_photos, pending_photo_files, store_photo,
)
from tests.helpers import at

LIMIT = 10 * 1024 * 1024  # the photo limit the app passes in (PHOTO_MAX_BYTES)


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Farm", opening_hours="24/7")
    cars = make.category(name="Cars", condition_checklist="clean", no_show_grace_minutes=None)
    car = make.asset(cars, hub, name="Blue car", meter_unit=MeterUnit.km)
    session.commit()
    return dict(car=car, member=make.member())


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def stored(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_a_rollback_after_saving_a_photo_leaves_no_file(session, pool, tmp_path):
    report = report_damage(session, pool["member"], pool["car"].id, at(2, 9), description="Dent",
                           photo=png_bytes(), photo_dir=tmp_path, photo_max_bytes=LIMIT)
    assert stored(tmp_path) == [report.photo_name]
    session.rollback()
    assert stored(tmp_path) == []
    assert pending_photo_files(session) == []


def test_a_commit_keeps_the_photo(session, pool, tmp_path):
    report = report_damage(session, pool["member"], pool["car"].id, at(2, 9), description="Dent",
                           photo=png_bytes(), photo_dir=tmp_path, photo_max_bytes=LIMIT)
    name, report_id = report.photo_name, report.id
    session.commit()
    assert stored(tmp_path) == [name]
    session.rollback()  # a later rollback does not touch what is committed
    session.close()
    assert stored(tmp_path) == [name]
    assert session.get(DamageReport, report_id).photo_name == name


def test_a_check_in_that_fails_after_storing_its_photo_leaves_no_file(session, pool, tmp_path, monkeypatch):
    import fleet.booking.handover

    booking = book_asset(session, pool["member"], pool["car"].id, at(2, 9), at(2, 12), at(1, 9))
    check_out(session, pool["member"], booking.id, at(2, 9), meter_reading=100)
    session.commit()

    def broken(*args, **kwargs):
        raise Conflict("The asset cannot be taken out of service now.")

    monkeypatch.setattr(fleet.booking.handover, "take_out_of_service", broken)  # fails after the photo is on disk
    with pytest.raises(Conflict):
        check_in(session, pool["member"], booking.id, at(2, 12), meter_reading=120,
                 damage=DamageInput("Broken axle", unusable=True, photo=png_bytes()), photo_dir=tmp_path,
                 photo_max_bytes=LIMIT)
    assert len(stored(tmp_path)) == 1
    session.rollback()
    assert stored(tmp_path) == []


def test_closing_the_session_without_a_commit_deletes_the_file(session, pool, tmp_path):
    report_damage(session, pool["member"], pool["car"].id, at(2, 9), description="Dent", photo=png_bytes(),
                  photo_dir=tmp_path, photo_max_bytes=LIMIT)
    session.close()
    assert stored(tmp_path) == []


def test_savepoints_keep_or_delete_the_files_written_inside_them(session, pool, tmp_path):
    session.get(type(pool["car"]), pool["car"].id)
    savepoint = session.begin_nested()
    undone = store_photo(tmp_path, b"undone", "jpg", session=session)
    savepoint.rollback()
    assert undone not in stored(tmp_path)
    with session.begin_nested():
        kept = store_photo(tmp_path, b"kept", "jpg", session=session)
    assert stored(tmp_path) == [kept]  # a released savepoint hands the file to the transaction around it
    session.commit()
    assert stored(tmp_path) == [kept]
    with session.begin_nested():
        dropped = store_photo(tmp_path, b"dropped", "jpg", session=session)
    session.rollback()  # the outer transaction rolls back: the file of its released savepoint goes too
    assert dropped not in stored(tmp_path) and stored(tmp_path) == [kept]


def _aged(path, hours: float) -> None:
    stamp = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


def test_the_sweep_finds_only_old_files_no_report_refers_to(session, pool, tmp_path):
    referenced = report_damage(session, pool["member"], pool["car"].id, at(2, 9), description="Dent",
                               photo=png_bytes(), photo_dir=tmp_path, photo_max_bytes=LIMIT).photo_name
    session.commit()
    orphan = store_photo(tmp_path, b"old orphan", "jpg")
    young = store_photo(tmp_path, b"young orphan", "png")
    (tmp_path / "notes.txt").write_text("not a photo name")
    for name, hours in ((referenced, 30), (orphan, 2), (young, 0.5), ("notes.txt", 48)):
        _aged(tmp_path / name, hours)
    found = orphaned_photos(session, tmp_path, utcnow())
    assert [p.name for p in found] == [orphan]
    assert orphaned_photos(session, tmp_path, utcnow(), min_age=timedelta(hours=3)) == []
    assert delete_photo_files(found) == 1
    assert stored(tmp_path) == sorted([referenced, young, "notes.txt"])
    assert orphaned_photos(session, tmp_path / "missing", utcnow()) == []


def _jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, format="JPEG", quality=80)
    return out.getvalue()


def test_photos_are_scaled_down_to_the_longer_side_and_the_limit_is_the_callers():
    from PIL import Image

    from fleet.booking.photos import MAX_SIDE, PhotoTooLarge, clean_photo

    data = _jpeg(4000, 3000)
    cleaned, ext = clean_photo(data, max_bytes=len(data))
    assert ext == "jpg" and Image.open(io.BytesIO(cleaned)).size == (MAX_SIDE, 1536) == (2048, 1536)
    with pytest.raises(PhotoTooLarge) as refused:
        clean_photo(data, max_bytes=len(data) - 1)
    assert refused.value.status == 413 and refused.value.field == "photo"
    # a 50 megapixel phone photo is decoded at a fraction of its size, not refused
    cleaned, _ = clean_photo(_jpeg(8160, 6120), max_bytes=LIMIT)
    assert Image.open(io.BytesIO(cleaned)).size == (2048, 1536)
