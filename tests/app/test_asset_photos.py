"""Catalogue photos: coordinators upload them on the asset's edit page, members who lend their own items on the
item's page; they are checked and re-encoded like damage photos, shown on the asset page and as thumbnails in
search results; a bad file is refused beside the field with nothing written."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from fleet.models import AssetPhoto, Role
from tests.helpers import login

MB = 1024 * 1024


def jpeg_with_metadata(width: int = 1600, height: int = 1200) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    saved = app.config["PHOTO_DIR"], app.config["PHOTO_MAX_BYTES"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield tmp_path / "photos" / "assets"
    app.config["PHOTO_DIR"], app.config["PHOTO_MAX_BYTES"] = saved


@pytest.fixture
def drill(make, session):
    make.member(Role.coordinator, email="cora@example.org")
    make.member(email="mia@example.org")
    asset = make.asset(make.category(name="Drills"), make.hub(name="Barn"), name="Hammer drill",
                       description="Heavy.\nBring your own bits.", use_instructions="The key is in the key safe, code 4711.")
    session.commit()
    return asset


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(AssetPhoto))


def upload(client, asset_id: int, data: bytes, name: str = "drill.jpg", alt: str = "The drill in its case"):
    return client.post(f"/manage/assets/{asset_id}/photos", data={"photo": (io.BytesIO(data), name), "alt_text": alt},
                       content_type="multipart/form-data")


def test_upload_is_re_encoded_and_shown_on_the_page_and_in_results(client, session, drill, photos):
    login(client, "cora@example.org")
    form = client.get(f"/manage/assets/{drill.id}/edit").get_data(as_text=True)
    assert "JPEG, PNG, WebP or GIF, at most 10 MB." in form and 'enctype="multipart/form-data"' in form
    r = upload(client, drill.id, jpeg_with_metadata())
    assert r.status_code == 302
    photo = session.scalars(select(AssetPhoto)).one()
    stored, thumb = Image.open(photos / photo.file_name), Image.open(photos / photo.thumb_name)
    assert stored.format == "JPEG" and not stored.getexif() and max(thumb.size) <= 480
    assert sorted(p.name for p in photos.iterdir()) == sorted([photo.file_name, photo.thumb_name])

    page = client.get(f"/assets/{drill.id}").get_data(as_text=True)
    assert f"/assets/{drill.id}/photos/{photo.id}" in page and 'alt="The drill in its case"' in page
    assert "The key is in the key safe, code 4711." in page and "Bring your own bits." in page
    results = client.get("/assets", query_string={"near": "none"}).get_data(as_text=True)
    assert f"/assets/{drill.id}/photos/{photo.id}?thumb=True" in results
    served = client.get(f"/assets/{drill.id}/photos/{photo.id}?thumb=True")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_use_instructions_only_for_members(client, drill):
    page = client.get(f"/assets/{drill.id}").get_data(as_text=True)
    assert "key safe" not in page and "Heavy." in page
    login(client, "mia@example.org")
    assert "key safe" in client.get(f"/assets/{drill.id}").get_data(as_text=True)


@pytest.mark.parametrize("data, name, message", [
    (b"<html><script>alert(1)</script></html>", "drill.jpg", "The photo must be a JPEG, PNG, WebP or GIF image."),
    (b"", "drill.jpg", "The photo is empty."),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "drill.svg",
     "The photo must be a JPEG, PNG, WebP or GIF image."),
    (b"GIF89a<?php system($_GET['c']); ?><script>alert(1)</script>", "drill.gif",
     "The photo must be a JPEG, PNG, WebP or GIF image."),
])
def test_a_bad_file_is_refused_beside_the_field_and_nothing_is_written(client, session, drill, photos, data, name,
                                                                        message):
    login(client, "cora@example.org")
    r = upload(client, drill.id, data, name, alt="kept text")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'<span class="error" id="photo-error" role="alert">{message}</span>' in html
    assert 'value="kept text"' in html and 'aria-invalid="true"' in html
    assert count(session) == 0 and (not photos.exists() or not any(photos.iterdir()))


def test_too_large_a_photo_is_refused_with_413(app, client, session, drill, photos):
    app.config["PHOTO_MAX_BYTES"] = MB // 4
    login(client, "cora@example.org")
    r = upload(client, drill.id, jpeg_with_metadata(3000, 3000) + b"\0" * MB)
    assert r.status_code == 413 and 'id="photo-error"' in r.get_data(as_text=True)
    assert count(session) == 0 and (not photos.exists() or not any(photos.iterdir()))


def test_a_refusal_after_a_file_was_written_removes_it(client, session, drill, photos, monkeypatch):
    """The photo is stored, then making its thumbnail fails: the request rolls back and takes the file along."""
    from fleet.booking import asset_photos
    from fleet.core.errors import ValidationFailed

    def refuse(cleaned, extension):
        assert any(photos.iterdir())  # the photo itself is on disk by now
        raise ValidationFailed("The photo has too many pixels.", field="photo")

    monkeypatch.setattr(asset_photos, "_thumbnail", refuse)
    login(client, "cora@example.org")
    r = upload(client, drill.id, jpeg_with_metadata())
    assert r.status_code == 422 and "The photo has too many pixels." in r.get_data(as_text=True)
    assert count(session) == 0 and not any(photos.iterdir())


def test_members_cannot_upload_or_remove(client, session, drill):
    login(client, "mia@example.org")
    assert upload(client, drill.id, jpeg_with_metadata()).status_code == 403
    assert count(session) == 0


def test_removing_a_photo(client, session, drill):
    login(client, "cora@example.org")
    upload(client, drill.id, jpeg_with_metadata())
    photo = session.scalars(select(AssetPhoto)).one()
    assert client.post(f"/manage/assets/{drill.id}/photos/{photo.id}/delete").status_code == 302
    session.expire_all()
    assert count(session) == 0
    assert client.get(f"/assets/{drill.id}/photos/{photo.id}").status_code == 404


def test_a_removed_photos_files_go_with_the_sweep(app, client, session, drill, photos):
    import os
    import time

    login(client, "cora@example.org")
    upload(client, drill.id, jpeg_with_metadata())
    upload(client, drill.id, jpeg_with_metadata())
    first, kept = session.scalars(select(AssetPhoto).order_by(AssetPhoto.id)).all()
    client.post(f"/manage/assets/{drill.id}/photos/{first.id}/delete")
    hours_ago = time.time() - 2 * 3600
    for path in photos.iterdir():
        os.utime(path, (hours_ago, hours_ago))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["bookings", "clean-photos"])
    assert first.file_name in dry.output and first.thumb_name in dry.output and kept.file_name not in dry.output
    runner.invoke(args=["bookings", "clean-photos", "--delete"])
    assert sorted(p.name for p in photos.iterdir()) == sorted([kept.file_name, kept.thumb_name])


# Members who lend their own things add and remove the photos of those items on the item's page (/my-items/<id>).

@pytest.fixture
def olgas_bike(make, session):
    from fleet.core.db import utcnow
    from fleet.owners.listing import ItemInput, list_item
    from fleet.owners.windows import WindowInput

    make.member(Role.coordinator, email="cora@example.org")
    make.member(email="sam@example.org")
    owner = make.member(email="olga@example.org")
    category, hub = make.category(name="Cargo bikes"), make.hub(name="Station", timezone="UTC")
    session.flush()
    item = list_item(session, owner, ItemInput(
        name="Olga's cargo bike", category_id=category.id, hub_id=hub.id, timezone="UTC", approval_mode="none",
        windows=[WindowInput(d, "08:00", "20:00") for d in range(7)]), utcnow())
    session.commit()
    return item


def owner_upload(client, item_id: int, data: bytes, name: str = "bike.jpg", alt: str = "The bike at the station"):
    return client.post(f"/my-items/{item_id}/photos", data={"photo": (io.BytesIO(data), name), "alt_text": alt},
                       content_type="multipart/form-data")


def test_the_owner_adds_a_photo_shown_on_the_asset_page_and_removes_it(client, session, olgas_bike, photos):
    login(client, "olga@example.org")
    page = client.get(f"/my-items/{olgas_bike.id}").get_data(as_text=True)
    assert "JPEG, PNG, WebP or GIF, at most 10 MB." in page and 'enctype="multipart/form-data"' in page
    r = owner_upload(client, olgas_bike.id, jpeg_with_metadata())
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/my-items/{olgas_bike.id}#photos")
    photo = session.scalars(select(AssetPhoto)).one()
    assert photo.asset_id == olgas_bike.asset_id
    assert "PhoneMaker" not in Image.open(photos / photo.file_name).getexif().values()
    asset_page = client.get(f"/assets/{olgas_bike.asset_id}").get_data(as_text=True)
    assert f"/assets/{olgas_bike.asset_id}/photos/{photo.id}" in asset_page and "The bike at the station" in asset_page
    item_page = client.get(f"/my-items/{olgas_bike.id}").get_data(as_text=True)
    assert f"/my-items/{olgas_bike.id}/photos/{photo.id}/delete" in item_page
    assert client.post(f"/my-items/{olgas_bike.id}/photos/{photo.id}/delete").status_code == 302
    session.expire_all()
    assert count(session) == 0


def test_the_owner_s_bad_file_is_refused_beside_the_field_and_nothing_is_written(client, session, olgas_bike,
                                                                                  photos):
    login(client, "olga@example.org")
    r = owner_upload(client, olgas_bike.id, b"<html><script>alert(1)</script></html>", alt="kept text")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert ('<span class="error" id="photo-error" role="alert">The photo must be a JPEG, PNG, WebP or GIF image.'
            '</span>') in html
    assert 'value="kept text"' in html and 'aria-invalid="true"' in html
    assert count(session) == 0 and (not photos.exists() or not any(photos.iterdir()))


def test_the_owner_s_refusal_after_a_file_was_written_removes_it(client, session, olgas_bike, photos, monkeypatch):
    from fleet.booking import asset_photos
    from fleet.core.errors import ValidationFailed

    def refuse(cleaned, extension):
        raise ValidationFailed("The photo has too many pixels.", field="photo")

    monkeypatch.setattr(asset_photos, "_thumbnail", refuse)
    login(client, "olga@example.org")
    assert owner_upload(client, olgas_bike.id, jpeg_with_metadata()).status_code == 422
    assert count(session) == 0 and not any(photos.iterdir())


def test_another_member_cannot_change_the_owner_s_photos(client, session, olgas_bike, photos):
    login(client, "olga@example.org")
    owner_upload(client, olgas_bike.id, jpeg_with_metadata())
    photo = session.scalars(select(AssetPhoto)).one()
    login(client, "sam@example.org")
    assert owner_upload(client, olgas_bike.id, jpeg_with_metadata()).status_code == 404
    assert client.post(f"/my-items/{olgas_bike.id}/photos/{photo.id}/delete").status_code == 404
    assert upload(client, olgas_bike.asset_id, jpeg_with_metadata()).status_code == 403
    assert client.post(f"/manage/assets/{olgas_bike.asset_id}/photos/{photo.id}/delete").status_code == 403
    session.expire_all()
    assert count(session) == 1


def test_the_owner_may_not_change_other_assets_photos(client, session, make, olgas_bike):
    pool_drill = make.asset(make.category(name="Drills"), make.hub(name="Barn"), name="Hammer drill")
    session.commit()
    login(client, "olga@example.org")
    assert upload(client, pool_drill.id, jpeg_with_metadata()).status_code == 403  # /manage stays for coordinators
    assert count(session) == 0


def test_coordinators_still_change_an_owned_item_s_photos(client, session, olgas_bike, photos):
    login(client, "cora@example.org")
    assert upload(client, olgas_bike.asset_id, jpeg_with_metadata()).status_code == 302
    assert owner_upload(client, olgas_bike.id, jpeg_with_metadata()).status_code == 302
    assert count(session) == 2


def test_the_owner_s_too_large_photo_is_refused_with_413_beside_the_field(app, client, session, olgas_bike, photos):
    app.config["PHOTO_MAX_BYTES"] = MB // 4
    login(client, "olga@example.org")
    r = owner_upload(client, olgas_bike.id, jpeg_with_metadata(3000, 3000) + b"\0" * MB)
    assert r.status_code == 413 and 'id="photo-error"' in r.get_data(as_text=True)
    assert "Olga&#39;s cargo bike" in r.get_data(as_text=True)  # the item's page again
    assert count(session) == 0 and (not photos.exists() or not any(photos.iterdir()))
