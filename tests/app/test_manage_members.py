"""Coordinator pages for members: search, pages, roles (only admins touch admin), deactivation."""
from __future__ import annotations

import pytest

from fleet.models import Member, Role
from tests.helpers import login


@pytest.fixture
def coordinator(client, make, session):
    member = make.member(Role.coordinator, email="coord@example.org", name="Cora")
    session.commit()
    login(client, "coord@example.org")
    return member


def test_search_and_pages(client, make, session, coordinator):
    for i in range(60):
        make.member(email=f"user{i:02d}@example.org", name=f"User {i:02d}")
    make.member(email="grace@hopper.example", name="Grace Hopper")
    make.member(email="odd_one@example.org", name="Percent 100% Person")
    session.commit()
    first = client.get("/manage/members").get_data(as_text=True)
    assert "63 members" in first and "page 1 of 2" in first
    assert first.count("<tr") == 1 + 50  # header + one page
    assert first.count("Set role") == 49  # every row but one's own
    second = client.get("/manage/members", query_string={"page": 2}).get_data(as_text=True)
    assert "User 59" in second and "User 00" not in second
    found = client.get("/manage/members", query_string={"q": "HOPPER"}).get_data(as_text=True)
    assert "Grace Hopper" in found and "User 01" not in found and "1 member " in found
    # LIKE wildcards in the search are taken literally
    literal = client.get("/manage/members", query_string={"q": "100%"}).get_data(as_text=True)
    assert "Percent 100% Person" in literal and "User 01" not in literal
    underscore = client.get("/manage/members", query_string={"q": "odd_"}).get_data(as_text=True)
    assert "Percent 100% Person" in underscore and "Grace Hopper" not in underscore
    assert client.get("/manage/members", query_string={"page": "x"}).status_code == 200


def test_coordinator_promotes_a_member(client, make, session, coordinator):
    member = make.member(email="m@example.org")
    session.commit()
    r = client.post(f"/manage/members/{member.id}/role", data={"role": "coordinator", "q": "m@", "page": "1"})
    assert r.status_code == 302 and "q=m@" in r.headers["Location"]
    session.refresh(member)
    assert member.role == Role.coordinator


def test_plain_coordinator_cannot_grant_or_remove_admin(client, make, session, coordinator):
    member = make.member(email="m@example.org")
    admin = make.member(Role.admin, email="admin@example.org")
    session.commit()
    r = client.post(f"/manage/members/{member.id}/role", data={"role": "admin"})
    assert r.status_code == 403 and "Only an admin can grant or remove the admin role" in r.get_data(as_text=True)
    r = client.post(f"/manage/members/{admin.id}/role", data={"role": "member"})
    assert r.status_code == 403
    r = client.post(f"/manage/members/{admin.id}/deactivate")
    assert r.status_code == 403
    session.refresh(member)
    session.refresh(admin)
    assert (member.role, admin.role, admin.active) == (Role.member, Role.admin, True)
    assert 'value="admin"' not in client.get("/manage/members").get_data(as_text=True)


def test_admin_grants_admin(client, make, session):
    make.member(Role.admin, email="admin@example.org")
    member = make.member(email="m@example.org")
    session.commit()
    login(client, "admin@example.org")
    assert client.post(f"/manage/members/{member.id}/role", data={"role": "admin"}).status_code == 302
    session.refresh(member)
    assert member.role == Role.admin


@pytest.mark.parametrize("role,status,message", [("superuser", 422, "Role must be"), ("member", 422, "your own role")])
def test_bad_role_changes_are_refused(client, session, coordinator, role, status, message):
    r = client.post(f"/manage/members/{coordinator.id}/role", data={"role": role})
    assert r.status_code == status and message in r.get_data(as_text=True)
    session.refresh(coordinator)
    assert coordinator.role == Role.coordinator


def test_deactivated_member_is_logged_out_and_can_be_reactivated(client, make, session, app, coordinator):
    member = make.member(email="m@example.org")
    session.commit()
    their_browser = app.test_client()
    login(their_browser, "m@example.org")
    assert their_browser.get("/bookings").status_code == 200

    r = client.post(f"/manage/members/{member.id}/deactivate", follow_redirects=True)
    assert r.status_code == 200 and "deactivated" in r.get_data(as_text=True)
    r = their_browser.get("/bookings")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert login(their_browser, "m@example.org").status_code == 400  # cannot log in either

    client.post(f"/manage/members/{member.id}/reactivate")
    session.refresh(member)
    assert member.active is True
    assert login(their_browser, "m@example.org").status_code == 302


def test_cannot_deactivate_oneself_and_unknown_member_is_404(client, session, coordinator):
    r = client.post(f"/manage/members/{coordinator.id}/deactivate")
    assert r.status_code == 422 and "cannot deactivate yourself" in r.get_data(as_text=True)
    assert session.get(Member, coordinator.id).active is True
    assert client.post("/manage/members/424242/deactivate").status_code == 404
    assert client.post("/manage/members/424242/role", data={"role": "coordinator"}).status_code == 404
