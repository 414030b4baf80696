"""Sessions (cookie flags, no replay after logout, password change or deactivation, a fresh session at login),
CSRF on every state-changing web form, and no state change on any GET."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from fleet.models import metadata
from tests.helpers import PASSWORD, login
from tests.security.conftest import act_as, build_world
from tests.security.test_stored_xss import get_pages


def _set_cookie_headers(response) -> list[str]:
    return [v for k, v in response.headers.items() if k.lower() == "set-cookie"]


def _session_cookie(response) -> str:
    cookies = [c for c in _set_cookie_headers(response) if c.startswith("session=")]
    assert cookies, "login should set the session cookie"
    return cookies[-1]


def test_cookie_flags_in_testing(client, make):
    member = make.member()
    make.session.commit()
    cookie = _session_cookie(login(client, member.email))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookie_is_secure_in_production(database_url, monkeypatch):
    from app import create_app

    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    prod = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x" * 32,
                                     "BASE_URL": "https://pool.example.org"})
    assert prod.config["SESSION_COOKIE_SECURE"] is True and prod.config["REMEMBER_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] and prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with prod.test_request_context("/"):
        from flask import session

        session["probe"] = 1
        response = prod.response_class("x")
        prod.session_interface.save_session(prod, session, response)
        cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from app.extensions import db

    with prod.app_context():
        db.engine.dispose()


def _logged_in_cookie(client, email):
    response = login(client, email)
    assert response.status_code == 302
    return client.get_cookie("session").value


def _is_logged_in(client, cookie_value) -> bool:
    client.set_cookie("session", cookie_value)
    response = client.get("/bookings")
    return response.status_code == 200


def test_replay_after_logout_is_refused(app, client, make):
    member = make.member()
    make.session.commit()
    old = _logged_in_cookie(client, member.email)
    assert _is_logged_in(client, old)
    client.post("/logout")
    assert not _is_logged_in(app.test_client(), old)


def test_replay_after_password_change_is_refused(app, client, make):
    member = make.member()
    make.session.commit()
    old = _logged_in_cookie(client, member.email)
    thief = app.test_client()
    assert _is_logged_in(thief, old)
    response = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                             "new_password": "another long password",
                                             "new_password_again": "another long password"})
    assert response.status_code == 302
    assert not _is_logged_in(thief, old)
    assert client.get("/bookings").status_code == 200  # the member's own session goes on


def test_replay_after_deactivation_is_refused(app, client, make):
    from fleet.models import Role

    member = make.member()
    coordinator = make.member(Role.coordinator)
    make.session.commit()
    old = _logged_in_cookie(client, member.email)
    coord = app.test_client()
    act_as(coord, coordinator)
    assert coord.post(f"/manage/members/{member.id}/deactivate").status_code == 302
    assert not _is_logged_in(app.test_client(), old)
    # reactivation does not bring the old cookie back either
    assert coord.post(f"/manage/members/{member.id}/reactivate").status_code == 302
    assert not _is_logged_in(app.test_client(), old)


def test_login_starts_a_new_session(client, make):
    member = make.member()
    make.session.commit()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["_user_id"] = "999:forged"
    login(client, member.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == f"{member.id}:{member.session_token}"


# --- CSRF --------------------------------------------------------------------------------------------------------

@pytest.fixture
def csrf_app(app, database_url):
    from app import create_app
    from app.extensions import db

    protected = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    yield protected
    with protected.app_context():
        db.session.remove()
        db.engine.dispose()


def web_post_rules(app):
    return [r for r in app.url_map.iter_rules()
            if "POST" in r.methods and not r.rule.startswith("/api/")]


def test_every_web_post_needs_a_csrf_token(csrf_app, session, make):
    world = build_world(session, make)
    rules = web_post_rules(csrf_app)
    assert len(rules) >= 25
    people = {role: SimpleNamespace(id=world.members[role].id, session_token=world.members[role].session_token)
              for role in ("owner", "coordinator")}
    session.close()  # on SQLite an open transaction here would hold the write lock the other app needs
    failures = []
    for role in ("owner", "coordinator"):
        client = csrf_app.test_client()
        act_as(client, people[role])
        for rule in rules:
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:\w+:)?{arg}>", str(world.ids.get(arg, 1)), path)
            response = client.post(path, data={"action": "revoke", "decision": "approve", "role": "admin"})
            if rule.endpoint.startswith("federation."):
                # partner installations' signed requests: no cookie counts, an unsigned POST is refused
                if response.status_code != 401:
                    failures.append(f"POST {path} as {role} without a signature: {response.status_code}")
            elif response.status_code != 400 or b"CSRF" not in response.data:
                failures.append(f"POST {path} as {role} without a token: {response.status_code}")
    assert not failures, "\n".join(failures)
    session.expire_all()
    assert world.members["owner"].active and world.members["owner"].role.value == "member"


def test_a_form_with_its_token_goes_through(csrf_app, session, make):
    email = make.member().email
    session.commit()
    session.close()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


# --- no state change on GET ---------------------------------------------------------------------------------------

def snapshot(session) -> dict:
    """Every row of every table, except the API token's last use (a GET with a token records that)."""
    state = {}
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "api_token" and c.name == "last_used_at")]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        state[table.name] = [tuple(str(v) for v in row) for row in rows]
    return state


def test_no_get_changes_anything(app, session, make):
    world = build_world(session, make)
    pages = list(get_pages(app, world))
    assert len(pages) >= 40
    for role in ("anon", "owner", "coordinator"):
        client = app.test_client()
        act_as(client, world.members.get(role))
        for _endpoint, path in pages:
            before = snapshot(session)
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if path.startswith("/api/") \
                and role in world.tokens else {}
            response = client.get(path, headers=headers)
            assert response.status_code < 500, path
            session.rollback()
            after = snapshot(session)
            changed = [t for t in before if before[t] != after[t]]
            assert not changed, f"GET {path} as {role} changed {changed}"
