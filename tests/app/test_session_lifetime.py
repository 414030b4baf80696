"""Login sessions end after an idle timeout and an absolute lifetime (both configurable); API tokens can expire;
a password change revokes the member's API tokens."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fleet.core.db import utcnow
from tests.helpers import PASSWORD, login


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr("app.auth.utcnow", frozen)
    monkeypatch.setattr("app.api.auth.utcnow", frozen)
    monkeypatch.setattr("app.api.tokens.utcnow", frozen)
    return frozen


def logged_in(client) -> bool:
    response = client.get("/bookings")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_session_in_use_ends_after_its_absolute_lifetime(app, client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    assert login(client, "m@example.org").status_code == 302
    lifetime = timedelta(hours=app.config["SESSION_ABSOLUTE_TIMEOUT_HOURS"])
    assert lifetime == timedelta(days=14)
    used = timedelta(0)
    while used + timedelta(hours=11) < lifetime:  # used twice a day: never idle for long
        clock.advance(hours=11)
        used += timedelta(hours=11)
        assert logged_in(client), f"logged out after {used}"
    clock.advance(seconds=(lifetime - used).total_seconds())
    assert not logged_in(client)
    assert not logged_in(client)  # and it stays out: the cookie is cleared, not renewed


def test_a_thirty_day_old_session_is_refused(client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    login(client, "m@example.org")
    clock.advance(days=30)
    assert not logged_in(client)


def test_an_idle_session_ends(app, client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    login(client, "m@example.org")
    clock.advance(hours=11, minutes=59)
    assert logged_in(client)
    clock.advance(hours=11, minutes=59)  # idle time counts from the last request
    assert logged_in(client)
    clock.advance(hours=12, seconds=1)
    assert not logged_in(client)


def test_the_timeouts_are_settings(app, client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    saved = app.config["SESSION_IDLE_TIMEOUT_MINUTES"], app.config["SESSION_ABSOLUTE_TIMEOUT_HOURS"]
    app.config["SESSION_IDLE_TIMEOUT_MINUTES"], app.config["SESSION_ABSOLUTE_TIMEOUT_HOURS"] = 5, 1
    try:
        login(client, "m@example.org")
        clock.advance(minutes=4)
        assert logged_in(client)
        clock.advance(minutes=6)
        assert not logged_in(client)
        login(client, "m@example.org")
        for _ in range(14):
            clock.advance(minutes=4)
            assert logged_in(client)
        clock.advance(minutes=4)  # 60 minutes after the login
        assert not logged_in(client)
    finally:
        app.config["SESSION_IDLE_TIMEOUT_MINUTES"], app.config["SESSION_ABSOLUTE_TIMEOUT_HOURS"] = saved


def test_a_session_cookie_without_its_times_is_refused(client, make, session):
    """A cookie signed before sessions carried their times (or one pieced together) cannot show its age."""
    member = make.member(email="m@example.org")
    session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{member.id}:{member.session_token}"
        sess["_fresh"] = True
    assert not logged_in(client)


def _create_token(client, **form) -> str:
    html = client.post("/account", data={"action": "create_token", "token_name": "script", **form}).get_data(
        as_text=True)
    return re.search(r'<code class="token">([^<]+)</code>', html).group(1)


def _me(app, token: str) -> int:
    return app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_made_on_the_page_can_expire(app, client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    login(client, "m@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert 'name="expires_in_days"' in page
    expiring, lasting = _create_token(client, expires_in_days="7"), _create_token(client, expires_in_days="")
    assert _me(app, expiring) == 200 and _me(app, lasting) == 200
    clock.advance(days=7)
    assert _me(app, expiring) == 401 and _me(app, lasting) == 200
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {expiring}"})
    assert "expired" in response.get_json()["detail"]


def test_a_token_made_through_the_api_can_expire(app, client, make, clock):
    make.member(email="m@example.org")
    make.session.commit()
    response = client.post("/api/v1/tokens", json={"email": "m@example.org", "password": PASSWORD,
                                                   "expires_in_days": 1})
    assert response.status_code == 201
    body = response.get_json()
    assert body["expires_at"] is not None
    assert _me(app, body["token"]) == 200
    clock.advance(hours=23, minutes=59)
    assert _me(app, body["token"]) == 200
    clock.advance(minutes=1)
    assert _me(app, body["token"]) == 401
    listed = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {body['token']}"})
    assert listed.status_code == 401


@pytest.mark.parametrize("days", [0, -1, 3651, "soon"])
def test_a_bad_expiry_is_refused(client, make, days):
    make.member(email="m@example.org")
    make.session.commit()
    response = client.post("/api/v1/tokens", json={"email": "m@example.org", "password": PASSWORD,
                                                   "expires_in_days": days})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_a_password_change_revokes_the_members_api_tokens_and_says_so(app, client, make, session):
    from fleet.members.tokens import issue_token

    member = make.member(email="m@example.org")
    other = make.member(email="other@example.org")
    _, others_record = issue_token(session, other, "theirs", utcnow())
    session.commit()
    others_token = issue_token(session, other, "theirs too", utcnow())[0]
    session.commit()
    login(client, "m@example.org")
    token = _create_token(client)
    assert _me(app, token) == 200
    page = client.get("/account").get_data(as_text=True)
    assert "revokes all your API tokens" in page
    response = client.post("/account", data={"action": "password", "current_password": PASSWORD,
                                             "new_password": "purple tractor lends wool",
                                             "new_password_again": "purple tractor lends wool"},
                           follow_redirects=True)
    assert "your API tokens revoked" in response.get_data(as_text=True)
    assert _me(app, token) == 401
    assert _me(app, others_token) == 200  # only the member's own tokens
    session.refresh(member)
    assert all(t.revoked_at is not None for t in session.query(type(others_record)).filter_by(member_id=member.id))
