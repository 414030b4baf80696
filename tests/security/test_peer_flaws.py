"""The flaws published against comparable booking systems, as test cases against this one."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fleet.models import Booking, Member, Role
from tests.helpers import at
from tests.security.conftest import act_as, build_world
from tests.security.test_stored_xss import get_pages

SQLI = ["' OR '1'='1", "1; DROP TABLE booking; --", "2030-01-01' UNION SELECT email, password_hash FROM member --",
        "2030-01-01T10:00' OR 1=1 --", "1) OR (1=1", "%' OR 1=1 --", "\\'; SELECT pg_sleep(5); --"]


@pytest.mark.parametrize("value", SQLI)
def test_sql_injection_through_calendar_date_and_search_parameters(app, session, make, value):
    """CommonsBooking CVE-2022-0658: unauthenticated SQL injection through calendar date parameters."""
    world = build_world(session, make)
    bookings = session.scalar(select(func.count()).select_from(Booking))
    client = app.test_client()
    token = {"Authorization": f"Bearer {world.tokens['owner']}"}
    calls = [
        ("/assets", {"from": value, "until": "2030-01-02T10:00"}, {}),
        ("/assets", {"q": value}, {}),
        ("/assets", {"category": value, "hub": value}, {}),
        ("/pool", {"from": value}, {}),
        ("/api/v1/assets", {"available_from": value, "available_until": value}, token),
        ("/api/v1/bookings", {"from": value, "until": value}, token),
        ("/api/v1/bookings", {"asset_id": value}, token),
        (f"/api/v1/assets/{world.ids['asset_id']}/availability", {"from": value, "until": value}, token),
        ("/api/v1/stats/utilisation", {"from": value}, token),
    ]
    for path, query, headers in calls:
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code in (200, 400, 422), (path, query, response.status_code)
        body = response.get_data(as_text=True)
        assert "scrypt:" not in body and "syntax error" not in body.lower()  # no hash, no SQL error
    # the text search treats quotes and SQL wildcards literally
    page = client.get("/assets", query_string={"q": value}).get_data(as_text=True)
    assert "Blue car" not in page
    coordinator = app.test_client()
    act_as(coordinator, world.members["coordinator"])
    members = coordinator.get("/manage/members", query_string={"q": value})
    assert members.status_code == 200 and "owner@example.org" not in members.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Booking)) == bookings


def test_cannot_book_over_another_members_held_slot(app, session, make):
    """CommonsBooking #1864: a member could book over a slot someone else already held."""
    world = build_world(session, make)  # the owner's pending booking holds day 2, 09:00-12:00 UTC
    client = app.test_client()
    token = {"Authorization": f"Bearer {world.tokens['other']}"}
    asset_id = world.ids["asset_id"]
    for start, end in ((at(2, 9), at(2, 12)), (at(2, 11), at(2, 13)), (at(2, 8), at(2, 10)), (at(2, 8), at(2, 13))):
        response = client.post("/api/v1/bookings", headers=token,
                               json={"asset_id": asset_id, "start": start.isoformat(), "end": end.isoformat()})
        assert response.status_code == 409, response.get_json()
    act_as(client, world.members["other"])
    response = client.post("/bookings", data={"asset_id": asset_id, "start": "", "end": ""})
    assert response.status_code == 422 or response.status_code == 400
    # the holder's booking cannot be cancelled, approved or looked at by the other member either
    assert client.post(f"/bookings/{world.ids['booking_id']}/cancel").status_code == 404
    assert client.post(f"/api/v1/bookings/{world.ids['booking_id']}/cancel", headers=token).status_code == 404
    assert client.post(f"/api/v1/bookings/{world.ids['booking_id']}/approve", headers=token).status_code == 403
    # back to back is fine: intervals are half-open
    response = client.post("/api/v1/bookings", headers=token,
                           json={"asset_id": asset_id, "start": at(2, 12).isoformat(), "end": at(2, 14).isoformat()})
    assert response.status_code == 201
    session.expire_all()
    holders = session.scalars(select(Booking).where(Booking.asset_id == asset_id)).all()
    assert len(holders) == 2


EXPRESSIONS = ["__import__('os').system('touch /tmp/pwned')", "1+1", "now()", "datetime.now()",
               "2030-01-01T10:00 + interval '1 day'", "(SELECT now())", "{{7*7}}", "${7*7}", "2030-01-01T10:00;ls",
               "eval('2030')", "0x7E9-01-01T10:00"]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_date_fields_with_expressions_are_refused(app, session, make, text):
    """phpScheduleIt CVE-2008-6132: a date field was passed to eval(). Here no date field evaluates anything."""
    world = build_world(session, make)
    bookings_before = session.scalar(select(func.count()).select_from(Booking))
    asset_id = world.ids["asset_id"]
    client = app.test_client()
    token = {"Authorization": f"Bearer {world.tokens['other']}"}
    response = client.post("/api/v1/bookings", headers=token,
                           json={"asset_id": asset_id, "start": text, "end": at(3, 12).isoformat()})
    assert response.status_code == 422 and response.get_json()["field"] == "start"
    assert "49" not in response.get_data(as_text=True)
    act_as(client, world.members["other"])
    response = client.post("/bookings", data={"asset_id": asset_id, "start": text, "end": "2030-01-01T12:00"})
    # only the error message is checked for an evaluated "49": the page around it holds ids that may contain 49
    message = re.search(r'id="start-error"[^>]*>(.*?)</span>', response.get_data(as_text=True), re.S)
    assert response.status_code == 422 and message and "49" not in message.group(1)
    response = client.get("/assets", query_string={"from": text, "until": text})
    assert response.status_code == 400
    response = client.post("/requests/new", data={"category_id": world.ids["category_id"], "earliest_start": text,
                                                  "latest_end": text, "duration_h": "1"})
    assert response.status_code == 422
    coord = app.test_client()
    act_as(coord, world.members["coordinator"])
    response = coord.post(f"/manage/assets/{asset_id}/maintenance", data={"start": text, "end": text})
    assert response.status_code == 422
    assert not Path("/tmp/pwned").exists()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Booking)) == bookings_before


def test_uploads_only_where_known_and_executables_are_refused(app, session, make):
    """Booked CVE-2019-9581: executable uploads. The one upload feature is damage photos (app/web/handover.py
    and base64 in the API): an executable (HTML, SVG with script, a PHP/HTML polyglot behind a GIF header) is
    refused by content; an image is re-encoded, stored outside static/ under a generated name and served as
    an image with nosniff, a sandboxing CSP and Content-Disposition."""
    import io

    from PIL import Image

    from fleet.models import DamageReport

    root = Path(app.root_path)
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py") if "request.files" in p.read_text()]
    # transaction.py only rewinds the uploads a view read before the view runs again after a deadlock
    assert sorted(readers) == ["transaction.py", "web/handover.py", "web/manage/asset_import.py"], \
        "a new upload feature appeared: test it against executable uploads"
    world = build_world(session, make)
    client = app.test_client()
    act_as(client, world.members["other"])
    before = session.scalar(select(func.count()).select_from(DamageReport))
    for payload, name in ((b"<html><script>alert(1)</script></html>", "x.jpg"),
                          (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
                          (b"GIF89a<?php system($_GET['c']); ?><script>alert(1)</script>", "x.gif"),
                          (b"<?php echo 1; ?>", "shell.php")):
        r = client.post(f"/assets/{world.ids['asset_id']}/damage", content_type="multipart/form-data",
                        data={"damage_description": "d", "photo": (io.BytesIO(payload), name, "image/png")})
        assert r.status_code == 422, name
    assert session.scalar(select(func.count()).select_from(DamageReport)) == before
    png = io.BytesIO()
    Image.new("RGB", (5, 5)).save(png, format="PNG")
    r = client.post(f"/assets/{world.ids['asset_id']}/damage", content_type="multipart/form-data",
                    data={"damage_description": "d", "photo": (io.BytesIO(png.getvalue()), "a.php.png")})
    assert r.status_code == 302
    report = session.scalars(select(DamageReport).order_by(DamageReport.id.desc())).first()
    static = Path(app.static_folder).resolve()
    assert not str((Path(app.config["PHOTO_DIR"]) / report.photo_name).resolve()).startswith(str(static))
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", report.photo_name)
    served = client.get(f"/damage/{report.id}/photo")
    assert served.mimetype == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline; filename=damage-")
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_forged_host_cannot_poison_links(app, client, session, make):
    """Indico CVE-2021-30185: a password-reset link built from the Host header. Commonpool sends no reset mail;
    the absolute links it does build (sign-up mail, calendar feed, GBFS, OpenAPI, labels) come from
    COMMONPOOL_BASE_URL or SERVER_NAME when set, else from a host that TRUSTED_HOSTS allowed
    (tests/security/test_hardening.py). Here: the feed never takes X-Forwarded-Host, and with SERVER_NAME set
    the links use it."""
    world = build_world(session, make)
    app.config["SERVER_NAME"], saved = "pool.example.org", app.config.get("SERVER_NAME")
    try:
        response = client.get(f"/calendar/{world.secret}.ics", headers={"Host": "pool.example.org",
                                                                          "X-Forwarded-Host": "evil.example"})
        assert response.status_code == 200
        urls = re.findall(rb"https?://[^/\s]+", response.data)
        assert urls and all(u.endswith(b"pool.example.org") for u in urls)
    finally:
        app.config["SERVER_NAME"] = saved


def test_no_member_dump_for_members(app, session, make):
    """Indico CVE-2025-53640: any logged-in user could read every user's details by id. No page, feed or API
    call shows another member's name or email to a member, and another's id answers exactly like no id."""
    world = build_world(session, make)
    client = app.test_client()
    act_as(client, world.members["other"])
    token = {"Authorization": f"Bearer {world.tokens['other']}"}
    for _, path in get_pages(app, world):
        if path.startswith(f"/calendar/{world.secret}"):
            continue  # the owner's secret feed URL is the owner's credential, not something 'other' has
        response = client.get(path, headers=token if path.startswith("/api/") else {})
        if response.mimetype.startswith("image/"):
            continue  # a catalogue photo: re-encoded pixels, no text
        body = response.get_data(as_text=True)
        assert "owner@example.org" not in body and "Olive Owner" not in body, path
        assert "coord@example.org" not in body, path
    # a pool's membership routes are for its coordinators only (the access matrix checks members get 403)
    coordinators_only = {"api.list_pool_members", "api.set_pool_membership", "api.remove_pool_membership"}
    assert not [r.rule for r in app.url_map.iter_rules() if "member" in r.rule and not r.rule.startswith("/manage/")
                and r.endpoint not in coordinators_only]
    assert client.get("/manage/members").status_code == 403
    assert client.get("/api/v1/bookings", query_string={"member_id": world.ids["member_id"]},
                      headers=token).status_code == 403
    # another's booking and a booking that does not exist answer the same, so ids do not enumerate
    missing = 2**31 - 1
    for template in ("/api/v1/bookings/{}", "/api/v1/requests/{}", "/bookings/{}", "/requests/{}"):
        theirs = client.get(template.format(world.ids["booking_id" if "booking" in template else "request_id"]),
                            headers=token)
        nothing = client.get(template.format(missing), headers=token)
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.data == nothing.data, template
    me = client.get("/api/v1/me", headers=token).get_json()
    assert me["email"] == "other@example.org"
    # the world's three people, besides the installation's administrator who registered the federation partner (the
    # partner's stand-in account is not a person and never logs in)
    assert session.scalar(select(func.count()).select_from(Member)
                          .where(Member.email.not_like("%@federation.invalid"), Member.role != Role.admin)) == 3


def test_csv_import_upload_is_read_as_text_never_stored(app, session, make):
    """The other upload: the coordinators' CSV import reads the file as text in the request and stores
    nothing of it; an executable or HTML file is just a CSV without the needed columns (422)."""
    import io

    from fleet.models import Asset

    world = build_world(session, make)
    client = app.test_client()
    act_as(client, world.members["coordinator"])
    before = session.scalar(select(func.count()).select_from(Asset))
    for payload, name in ((b"<?php system($_GET['c']); ?>", "shell.php"),
                          (b"<html><script>alert(1)</script></html>", "x.csv")):
        r = client.post("/manage/assets/import", content_type="multipart/form-data",
                        data={"action": "apply", "file": (io.BytesIO(payload), name)})
        assert r.status_code == 422 and b"<script>alert(1)" not in r.data
    assert session.scalar(select(func.count()).select_from(Asset)) == before
