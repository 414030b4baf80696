"""Asset photos and use instructions through the API: coordinators and an owned item's owner add (idempotent)
and remove photos, the asset's JSON lists them; a bad photo is a 422 problem and writes nothing."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from fleet.models import AssetPhoto


def png_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture(autouse=True)
def photos(app, tmp_path):
    saved = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    yield tmp_path / "photos" / "assets"
    app.config["PHOTO_DIR"] = saved


def test_use_instructions_in_create_update_and_read(coord_api, api, make, session):
    hub, category = make.hub(), make.category()
    session.commit()
    created = coord_api.post("/assets", json={"name": "Van", "category_id": category.id, "hub_id": hub.id,
                                              "use_instructions": "Key in the key safe, code 1234."})
    assert created.status_code == 201 and created.get_json()["use_instructions"] == "Key in the key safe, code 1234."
    asset_id = created.get_json()["id"]
    changed = coord_api.patch(f"/assets/{asset_id}", json={"use_instructions": "Key at the desk."})
    assert changed.get_json()["use_instructions"] == "Key at the desk."
    assert api.get(f"/assets/{asset_id}").get_json()["photos"] == []
    too_long = coord_api.patch(f"/assets/{asset_id}", json={"use_instructions": "x" * 4001})
    assert too_long.status_code == 422


def test_add_list_and_remove_a_photo(coord_api, api, client, make, session, photos):
    asset = make.asset()
    session.commit()
    body = {"photo_base64": png_base64(), "alt_text": "Red van"}
    first = coord_api.post(f"/assets/{asset.id}/photos", json=body, headers={"Idempotency-Key": "photo-1"})
    again = coord_api.post(f"/assets/{asset.id}/photos", json=body, headers={"Idempotency-Key": "photo-1"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert session.scalar(select(func.count()).select_from(AssetPhoto)) == 1
    listed = api.get(f"/assets/{asset.id}").get_json()["photos"]
    assert [p["alt_text"] for p in listed] == ["Red van"]
    thumb = client.get(listed[0]["thumbnail_url"].replace("http://localhost", ""))
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"  # no transparency: re-encoded as JPEG
    assert api.post(f"/assets/{asset.id}/photos", json=body).status_code == 403
    assert coord_api.delete(f"/assets/{asset.id}/photos/{listed[0]['id']}").status_code == 204
    assert api.get(f"/assets/{asset.id}").get_json()["photos"] == []


def test_a_bad_photo_is_a_problem_and_writes_nothing(coord_api, make, session, photos):
    asset = make.asset()
    session.commit()
    html = base64.b64encode(b"<html><script>alert(1)</script></html>").decode()
    r = coord_api.post(f"/assets/{asset.id}/photos", json={"photo_base64": html})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert coord_api.post(f"/assets/{asset.id}/photos", json={"photo_base64": "***"}).status_code == 422
    assert session.scalar(select(func.count()).select_from(AssetPhoto)) == 0
    assert not photos.exists() or not any(photos.iterdir())


def test_the_owner_of_a_member_owned_item_adds_and_removes_its_photos(api, other_api, coord_api, make, session,
                                                                      people, photos):
    from fleet.core.db import utcnow
    from fleet.owners.listing import ItemInput, list_item

    category, hub = make.category(), make.hub(timezone="UTC")
    pool_asset = make.asset(category, hub)
    session.flush()
    item = list_item(session, people["member"], ItemInput(name="Mia's trailer", category_id=category.id,
                                                          hub_id=hub.id, timezone="UTC", approval_mode="none"), utcnow())
    session.commit()
    body = {"photo_base64": png_base64(), "alt_text": "Trailer"}
    assert other_api.post(f"/assets/{item.asset_id}/photos", json={}).status_code == 403  # before the body is read
    assert api.post(f"/assets/{pool_asset.id}/photos", json=body).status_code == 403
    added = api.post(f"/assets/{item.asset_id}/photos", json=body, headers={"Idempotency-Key": "trailer-1"})
    assert added.status_code == 201
    listed = api.get(f"/assets/{item.asset_id}").get_json()["photos"]
    assert [p["id"] for p in listed] == [added.get_json()["id"]]
    assert other_api.delete(f"/assets/{item.asset_id}/photos/{listed[0]['id']}").status_code == 403
    bad = api.post(f"/assets/{item.asset_id}/photos", json={"photo_base64": base64.b64encode(b"<svg/>").decode()})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(AssetPhoto)) == 1
    assert api.delete(f"/assets/{item.asset_id}/photos/{listed[0]['id']}").status_code == 204
    assert coord_api.post(f"/assets/{item.asset_id}/photos", json=body).status_code == 201
