"""The smaller things a member or coordinator hits first: confirmation before cancelling a booking or
deactivating a member (with what happens to their bookings), the deactivated login message said once, page
titles that name things, a favicon, `make run PORT=...`, an admin adding a member, the QR label linked from
the asset's page."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fleet.models import BookingStatus, FlexibleRequest, Member, Notification, RequestStatus, Role
from tests.helpers import at, login

ROOT = Path(__file__).resolve().parents[2]


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S)[1].strip()


@pytest.fixture
def pool(make, session):
    hub = make.hub(name="Barn")
    bikes = make.category(name="Cargo bikes")
    bike = make.asset(bikes, hub, name="Yellow bakfiets")
    member = make.member(email="mia@example.org", name="Mia")
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    admin = make.member(Role.admin, email="admin@example.org", name="Ada")
    session.commit()
    return dict(hub=hub, bikes=bikes, bike=bike, member=member, coordinator=coordinator, admin=admin)


def test_cancelling_a_booking_asks_first_on_a_page_without_javascript(client, make, session, pool):
    booking = make.booking(pool["bike"], pool["member"], at(3, 9), at(3, 12))
    session.commit()
    login(client, "mia@example.org")
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f'<a class="danger" href="/bookings/{booking.id}/cancel">Cancel this booking…</a>' in detail
    assert f'action="/bookings/{booking.id}/cancel"' not in detail  # no one-click cancel
    page = client.get(f"/bookings/{booking.id}/cancel")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cancel your booking of Yellow bakfiets?" in html
    assert f'<form method="post" action="/bookings/{booking.id}/cancel">' in html and "Keep it" in html
    assert "<script" not in html
    session.refresh(booking)
    assert booking.status == BookingStatus.confirmed  # asking changed nothing
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 302
    session.refresh(booking)
    assert booking.status == BookingStatus.cancelled


def test_deactivating_says_what_happens_to_future_bookings_and_does_it(client, make, session, pool):
    member, bike = pool["member"], pool["bike"]
    future = make.booking(bike, member, at(3, 9), at(3, 12))
    later = make.booking(bike, member, at(5, 9), at(5, 12), BookingStatus.pending)
    out = make.booking(make.asset(pool["bikes"], pool["hub"], name="Red bakfiets"), member, at(-1, 9), at(1, 9),
                       BookingStatus.checked_out)
    past = make.booking(bike, member, at(-3, 9), at(-3, 12), BookingStatus.completed)
    waiting = FlexibleRequest(member_id=member.id, category_id=pool["bikes"].id, requires={},
                              earliest_start=at(6, 8), latest_end=at(6, 18), duration_minutes=120,
                              status=RequestStatus.waitlisted)
    session.add(waiting)
    session.commit()
    login(client, "coord@example.org")
    listing = client.get("/manage/members").get_data(as_text=True)
    assert f'href="/manage/members/{member.id}/deactivate">Deactivate…' in listing
    assert f'action="/manage/members/{member.id}/deactivate"' not in listing  # no one-click deactivation
    page = client.get(f"/manage/members/{member.id}/deactivate")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Deactivate Mia?" in html
    assert "Their 2 bookings that have not been picked up are cancelled, and they are told by notification" in html
    assert html.count("Yellow bakfiets:") == 2 and "Red bakfiets" in html and "stays with them until it is returned" in html
    assert "Their 1 waiting flexible request is withdrawn." in html
    assert "Deactivate and cancel 2 bookings" in html
    session.expire_all()
    assert session.get(Member, member.id).active  # asking changed nothing

    r = client.post(f"/manage/members/{member.id}/deactivate", follow_redirects=True)
    assert "2 future bookings were cancelled and the member told." in r.get_data(as_text=True)
    session.expire_all()
    assert not session.get(Member, member.id).active
    statuses = {b: session.get(type(future), b.id).status for b in (future, later, out, past)}
    assert statuses == {future: BookingStatus.cancelled, later: BookingStatus.cancelled,
                        out: BookingStatus.checked_out, past: BookingStatus.completed}
    assert session.get(FlexibleRequest, waiting.id).status == RequestStatus.cancelled
    told = session.scalars(select(Notification).where(Notification.member_id == member.id,
                                                      Notification.kind == "booking_cancelled")).all()
    assert {n.booking_id for n in told} == {future.id, later.id}


def test_the_deactivated_login_message_appears_once(client, session, pool):
    pool["member"].active = False
    session.commit()
    html = login(client, "mia@example.org").get_data(as_text=True)
    assert html.count("This account is deactivated. Ask a coordinator.") == 1


def test_a_refused_check_out_says_why_once(client, make, session, pool):
    from fleet.core.db import utcnow
    from fleet.models import AssetStatus
    now = utcnow()
    booking = make.booking(pool["bike"], pool["member"], now + timedelta(minutes=5), now + timedelta(hours=2))
    pool["bike"].status = AssetStatus.maintenance
    session.commit()
    login(client, "mia@example.org")
    html = client.post(f"/bookings/{booking.id}/check-out").get_data(as_text=True)
    assert html.count("Yellow bakfiets is maintenance and cannot be checked out.") == 1


def test_page_titles_name_things_not_ids(client, make, session, pool):
    booking = make.booking(pool["bike"], pool["member"], at(3, 9), at(3, 12))
    request = FlexibleRequest(member_id=pool["member"].id, category_id=pool["bikes"].id, requires={},
                              earliest_start=at(6, 8), latest_end=at(6, 18), duration_minutes=120,
                              status=RequestStatus.waitlisted)
    session.add(request)
    session.commit()
    login(client, "mia@example.org")
    assert title(client.get(f"/requests/{request.id}").get_data(as_text=True)) == "Request for Cargo bikes · Commonpool"
    assert title(client.get(f"/bookings/{booking.id}").get_data(as_text=True)) == \
        "Booking of Yellow bakfiets · Commonpool"
    client.set_cookie("lang", "fr")
    assert title(client.get(f"/requests/{request.id}").get_data(as_text=True)) == \
        "Demande de Cargo bikes · Commonpool"


def test_a_favicon_is_vendored_and_linked(client, pool):
    html = client.get("/assets").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in html
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed here")
def test_make_run_takes_a_port():
    def dry_run(*args: str) -> str:
        return subprocess.run(["make", "-n", "-W", "pyproject.toml", "run", *args], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout
    assert "--port 5077" in dry_run("PORT=5077")
    assert "--port 5000" in dry_run()


def test_an_admin_adds_a_member_with_a_password_the_policy_accepts(client, make, session, pool):
    make.member(email="mia2@example.org")
    session.commit()
    login(client, "mia2@example.org")
    assert client.get("/manage/members/new").status_code == 403
    login(client, "coord@example.org")
    form = client.get("/manage/members/new").get_data(as_text=True)
    assert 'value="coordinator"' in form and 'value="admin"' not in form  # only an admin adds an admin
    r = client.post("/manage/members/new", data={"email": "x@example.org", "name": "X", "role": "admin",
                                                 "password": "violet tractor harbour 42",
                                                 "password_again": "violet tractor harbour 42"})
    assert r.status_code == 403 and session.scalar(select(Member).where(Member.email == "x@example.org")) is None
    login(client, "admin@example.org")
    assert 'href="/manage/members/new"' in client.get("/manage/members").get_data(as_text=True)
    form = {"email": "noor@example.org", "name": "Noor Haddad", "role": "member"}
    r = client.post("/manage/members/new", data={**form, "password": "noorhaddad1", "password_again": "noorhaddad1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="password-error"' in html
    assert 'value="noor@example.org"' in html and 'value="Noor Haddad"' in html
    good = "violet tractor harbour 42"
    r = client.post("/manage/members/new", data={**form, "password": good, "password_again": good + "x"})
    assert r.status_code == 422 and 'id="password_again-error"' in r.get_data(as_text=True)
    r = client.post("/manage/members/new", data={**form, "password": good, "password_again": good})
    assert r.status_code == 302
    added = session.scalar(select(Member).where(Member.email == "noor@example.org"))
    assert added is not None and added.role == Role.member and added.active
    r = client.post("/manage/members/new", data={**form, "password": good, "password_again": good})
    assert r.status_code == 409 and "already exists" in r.get_data(as_text=True)
    client.post("/logout")
    assert login(client, "noor@example.org", good).status_code == 302


def test_the_qr_label_is_linked_from_the_assets_page_for_coordinators(client, pool):
    bike = pool["bike"]
    login(client, "mia@example.org")
    assert f"/assets/{bike.id}/label" not in client.get(f"/assets/{bike.id}").get_data(as_text=True)
    login(client, "coord@example.org")
    html = client.get(f"/assets/{bike.id}").get_data(as_text=True)
    assert f'<a href="/assets/{bike.id}/label">Print its QR label</a>' in html
    assert client.get(f"/assets/{bike.id}/label").status_code == 200


def test_the_coordinators_dashboard_cancels_through_the_confirmation_page(client, make, session, pool):
    booking = make.booking(pool["bike"], pool["member"], at(3, 9), at(3, 12))
    booking.flag("Needs a look.")
    session.commit()
    login(client, "coord@example.org")
    html = client.get("/manage/").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}/cancel">Cancel booking…</a>' in html
    assert f'action="/manage/bookings/{booking.id}/cancel"' not in html  # no one-click cancel
    page = client.get(f"/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Cancel the booking of Yellow bakfiets for Mia?" in page and "The member is told by notification." in page
