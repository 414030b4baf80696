"""Accounts and sessions: sign-up, login, throttling, session revocation, CSRF, safe redirects, headers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from fleet.models import Member
from tests.helpers import PASSWORD, login


@pytest.mark.parametrize("data,error", [
    ({"name": "A", "email": "not-an-email", "password": "long enough pw", "password_again": "long enough pw"}, "valid email"),
    ({"name": "A", "email": "a@example.org", "password": "short", "password_again": "short"}, "at least 10"),
    ({"name": "", "email": "a@example.org", "password": "long enough pw", "password_again": "long enough pw"}, "Enter your name"),
    ({"name": "A", "email": "a@example.org", "password": "long enough pw", "password_again": "different pw!"}, "differ"),
])
def test_signup_bad_input_writes_nothing(client, session, data, error):
    r = client.post("/signup", data=data)
    assert r.status_code == 400
    assert error in r.get_data(as_text=True)
    assert session.scalar(select(Member)) is None


def test_login_wrong_password_and_unknown_email_look_the_same(client, make, session):
    make.member(email="x@example.org")
    session.commit()
    a = client.post("/login", data={"email": "x@example.org", "password": "wrong password"})
    b = client.post("/login", data={"email": "nobody@example.org", "password": "wrong password"})
    assert a.status_code == b.status_code == 400
    assert "Email or password is not right" in a.get_data(as_text=True)
    assert "Email or password is not right" in b.get_data(as_text=True)


def test_old_session_cookie_is_refused_after_logout(client, make, session, app):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    assert client.get("/bookings").status_code == 200
    stolen = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    r = replay.get("/bookings")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_old_session_cookie_is_refused_after_password_change(client, make, session, app):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    other_device = app.test_client()
    login(other_device, "m@example.org")
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "a brand new pw", "new_password_again": "a brand new pw"})
    assert r.status_code == 302
    assert client.get("/bookings").status_code == 200  # the device that changed it stays logged in
    r = other_device.get("/bookings")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_starts_a_fresh_session(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, "m@example.org")
    with client.session_transaction() as s:
        assert "planted" not in s


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)",
                                    "/\\evil.example", "http:/evil"])
def test_next_only_redirects_to_local_paths(client, make, session, target):
    make.member(email="m@example.org")
    session.commit()
    r = client.post("/login", data={"email": "m@example.org", "password": PASSWORD, "next": target})
    assert r.status_code == 302 and r.headers["Location"] in ("/", "/assets")


def test_next_local_path_is_followed(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    r = client.post("/login", data={"email": "m@example.org", "password": PASSWORD, "next": "/bookings"})
    assert r.headers["Location"] == "/bookings"


def test_set_home_by_coordinates_and_by_hub(client, make, session):
    member = make.member(email="m@example.org")
    hub = make.hub()
    session.commit()
    login(client, "m@example.org")
    r = client.post("/account", data={"action": "home", "home_mode": "coordinates", "home_lat": "52.1",
                                      "home_lon": "5.1"})
    assert r.status_code == 302
    session.refresh(member)
    assert (member.home_lat, member.home_lon) == (52.1, 5.1)
    client.post("/account", data={"action": "home", "home_mode": "hub", "home_hub_id": str(hub.id)})
    session.refresh(member)
    assert member.home_hub_id == hub.id and member.home_lat is None


@pytest.mark.parametrize("lat,lon,error", [("95", "5", "between -90 and 90"), ("abc", "5", "not a number"),
                                           ("52", "", "both latitude and longitude")])
def test_bad_home_coordinates(client, make, session, lat, lon, error):
    member = make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    r = client.post("/account", data={"action": "home", "home_mode": "coordinates", "home_lat": lat, "home_lon": lon})
    assert r.status_code == 400 and error in r.get_data(as_text=True)
    session.refresh(member)
    assert member.home_lat is None


def test_address_lookup_is_off_by_default_with_a_clear_message(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    r = client.post("/account", data={"action": "home", "home_mode": "address", "address": "Neude 1, Utrecht"})
    assert r.status_code == 400 and "switched off" in r.get_data(as_text=True)


def test_geocoding_offline_fails_clearly():
    from geopy.exc import GeocoderUnavailable

    from fleet.core.errors import ValidationFailed
    from fleet.core.geo import geocode

    class Offline:
        def geocode(self, address):
            raise GeocoderUnavailable("no network")

    with pytest.raises(ValidationFailed, match="cannot be reached"):
        geocode("Neude 1", enabled=True, user_agent="test", geocoder=Offline())


def test_security_headers_and_cookie_flags(client, make, session):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    make.member(email="m@example.org")
    session.commit()
    cookie = login(client, "m@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_is_post_only(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/bookings").status_code == 200


def test_csrf_is_required_on_forms(database_url, session, make):
    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})  # CSRF on, as in production
    make.member(email="m@example.org")
    session.commit()
    c = app.test_client()
    r = c.post("/login", data={"email": "m@example.org", "password": PASSWORD})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    page = c.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = c.post("/login", data={"email": "m@example.org", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_tokens_are_created_shown_once_and_revoked_from_settings(client, make, session, app):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    html = client.post("/account", data={"action": "create_token", "token_name": "script"}).get_data(as_text=True)
    import re

    token = re.search(r'<code class="token">([^<]+)</code>', html).group(1)
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert token not in page and "script" in page
    token_id = re.search(r'name="token_id" value="(\d+)"', page).group(1)
    client.post("/account", data={"action": "revoke_token", "token_id": token_id})
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client, make, session):
    from fleet.core.db import utcnow
    from fleet.models import ApiToken
    from fleet.members.tokens import issue_token

    owner = make.member(email="owner@example.org")
    _, record = issue_token(session, owner, "theirs", utcnow())
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    r = client.post("/account", data={"action": "revoke_token", "token_id": str(record.id)})
    assert r.status_code == 404
    session.expire_all()
    assert session.get(ApiToken, record.id).revoked_at is None


def test_settings_page_has_each_section_once(client, make, session):
    make.member(email="m@example.org")
    session.commit()
    login(client, "m@example.org")
    html = client.get("/account").get_data(as_text=True)
    title = html[html.index("<title>"):html.index("</title>")]
    assert title == "<title>Your account · Commonpool"
    assert html.count('id="tokens"') == 1 and html.count('id="calendar"') == 1


@pytest.mark.parametrize("password,why", [
    ("password12", "most common passwords"), ("1234567890", "most common passwords"),
    ("qwertyuiop", "most common passwords"), ("aaaaaaaaaa", "Repeated characters"),
    ("weak@example.org", "your name, your email address"), ("commonpool-pool", "the site&#39;s name"),
])
def test_signup_refuses_a_guessable_password_and_says_why_beside_the_field(client, session, password, why):
    r = client.post("/signup", data={"name": "Wanda", "email": "weak@example.org", "password": password,
                                     "password_again": password})
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert 'id="password-error"' in html and why in html[html.index('id="password-error"'):]
    assert session.scalar(select(Member)) is None


def test_signup_explains_the_refusal_in_the_readers_language(client, session):
    r = client.post("/signup", data={"name": "Wanda", "email": "weak@example.org", "password": "password12",
                                     "password_again": "password12"}, headers={"Accept-Language": "de"})
    assert r.status_code == 400 and "häufigsten Passwörter" in r.get_data(as_text=True)


def test_password_change_refuses_a_password_built_from_the_members_name(client, make, session):
    member = make.member(email="grace@example.org", name="Grace Hopper")
    session.commit()
    login(client, "grace@example.org")
    r = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                      "new_password": "gracehopper1", "new_password_again": "gracehopper1"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="new_password-error"' in html
    assert "your name, your email address" in html[html.index('id="new_password-error"'):]
    old_hash = member.password_hash
    session.refresh(member)
    assert member.password_hash == old_hash


def test_member_add_refuses_a_common_password(app, session, monkeypatch):
    monkeypatch.setenv("COMMONPOOL_PASSWORD", "qwertyuiop")
    result = app.test_cli_runner().invoke(args=["member", "add", "ops@example.org", "--name", "Ops"])
    assert result.exit_code != 0 and "most common passwords" in result.output
    assert session.scalar(select(Member)) is None
    monkeypatch.setenv("COMMONPOOL_PASSWORD", "purple tractor lends wool")
    result = app.test_cli_runner().invoke(args=["member", "add", "ops@example.org", "--name", "Ops"])
    assert result.exit_code == 0, result.output
