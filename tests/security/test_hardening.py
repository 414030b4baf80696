"""Throttled logins and token requests, local-only `next=`, TRUSTED_HOSTS against forged Host headers, security
headers on every response, request size limits."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fleet.models import OutgoingMail
from tests.helpers import PASSWORD, login
from tests.security.conftest import act_as, build_world
from tests.security.test_stored_xss import get_pages


@pytest.fixture
def frozen_clock(monkeypatch):
    """The login clock stands still, so a 1-second wait cannot pass while the test runs."""
    from fleet.core.db import utcnow

    now = utcnow()
    monkeypatch.setattr("app.auth.utcnow", lambda: now)


def test_login_is_throttled_per_account_and_address(app, client, make, frozen_clock):
    member = make.member()
    make.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert login(client, member.email, "wrong password!").status_code == 400
    # from this address even the right password waits for the delay to pass
    response = login(client, member.email)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert client.get("/bookings").status_code == 302
    # the owner elsewhere is not refused
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert login(other, member.email).status_code == 302


def test_login_is_throttled_per_address(app, client, make, frozen_clock):
    member = make.member()
    make.session.commit()
    limit = 6
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"], saved = limit, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    try:
        for n in range(limit):  # a different (unknown) account each time: credential stuffing
            assert login(client, f"nobody{n}@example.org", "guess guess").status_code == 400
        assert login(client, member.email).status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = saved


def test_token_endpoint_is_throttled(app, client, make, frozen_clock):
    member = make.member()
    make.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        response = client.post("/api/v1/tokens", json={"email": member.email, "password": "wrong password!"})
        assert response.status_code == 401
    response = client.post("/api/v1/tokens", json={"email": member.email, "password": PASSWORD})
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "1" and "token" not in response.get_json()


BAD_NEXT = ["javascript:alert(1)", "JavaScript:alert(1)", "//evil.example/x", "\\\\evil.example", "/\\evil.example",
            "https://evil.example/", "http:evil.example", "/\t/evil.example", " //evil.example", "data:text/html,x",
            "%2F%2Fevil.example", "///evil.example"]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_next_only_goes_to_local_paths(client, make, target):
    member = make.member()
    make.session.commit()
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert "evil.example" not in page and "javascript:" not in page.lower()
    response = client.post("/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/assets" or location == "/", location
    response = client.post("/notifications/read", data={"next": target})
    assert response.headers["Location"] == "/bookings"


def test_next_keeps_local_paths(client, make):
    member = make.member()
    make.session.commit()
    response = client.post("/login?next=/bookings%3Fx%3D1", data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/bookings?x=1"


# --- Host header --------------------------------------------------------------------------------------------------

@pytest.fixture
def host_app(database_url, monkeypatch):
    import importlib

    import config
    from app import create_app
    from app.extensions import db

    monkeypatch.setenv("TRUSTED_HOSTS", "pool.example.org,.pool.example.org")
    importlib.reload(config)  # config reads the environment when it is imported
    try:
        assert config.Config.TRUSTED_HOSTS == ["pool.example.org", ".pool.example.org"]
        trusted = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    finally:
        monkeypatch.delenv("TRUSTED_HOSTS")
        importlib.reload(config)
    yield trusted
    with trusted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_forged_host_is_refused_when_trusted_hosts_is_set(host_app, session, make):
    world = build_world(session, make)
    secret = world.secret
    session.close()
    client = host_app.test_client()
    for path in ("/", "/login", f"/calendar/{secret}.ics", "/gbfs/gbfs.json", "/gbfs/station_information.json",
                 "/api/v1/openapi.json", "/healthz", "/no-such-page"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400, path
        assert b"evil.example" not in response.data
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/v1/me", headers={"Host": "evil.example"}).mimetype == "application/problem+json"
    # sign-up mail carries links built from the host: a forged one queues no mail at all
    response = client.post("/signup", headers={"Host": "evil.example"}, data={
        "name": "Victim", "email": "victim@example.org", "password": "purple tractor lends wool",
        "password_again": "purple tractor lends wool"})
    assert response.status_code == 400
    from sqlalchemy import func, select

    from fleet.models import OutgoingMail

    session.expire_all()
    assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    session.close()  # no transaction of ours may hold SQLite's write lock while the app answers
    # the real names (and subdomains, with the leading dot) work, and their links use them
    feed = client.get(f"/calendar/{secret}.ics", headers={"Host": "pool.example.org"})
    assert feed.status_code == 200 and b"http://pool.example.org/bookings/" in feed.data
    gbfs = client.get("/gbfs/gbfs.json", headers={"Host": "www.pool.example.org"})
    assert gbfs.status_code == 200 and "http://www.pool.example.org/gbfs/" in gbfs.get_data(as_text=True)


def test_forwarded_host_headers_are_ignored(client, session, make):
    world = build_world(session, make)
    response = client.get("/gbfs/gbfs.json", headers={"X-Forwarded-Host": "evil.example",
                                                      "X-Forwarded-Proto": "javascript", "Forwarded": "host=evil.example"})
    assert b"evil.example" not in response.data and b"javascript" not in response.data
    feed = client.get(f"/calendar/{world.secret}.ics", headers={"X-Forwarded-Host": "evil.example"})
    assert b"evil.example" not in feed.data


FORGED = {"Host": "attacker.test", "X-Forwarded-Host": "attacker.test"}


def _public_documents(world) -> list[tuple[str, str, dict]]:
    """(who, path, headers) for every answer that carries an absolute URL of the site."""
    owner = {"Authorization": f"Bearer {world.tokens['owner']}"}
    return [("anon", "/gbfs/gbfs.json", {}), ("anon", "/gbfs/system_information.json", {}),
            ("anon", "/gbfs/station_information.json", {}), ("anon", "/api/v1/openapi.json", {}),
            ("anon", f"/calendar/{world.secret}.ics", {}), ("anon", "/api/v1/me", owner),
            ("owner", "/account/calendar", {}), ("coordinator", f"/assets/{world.ids['asset_id']}/label", {}),
            ("coordinator", f"/manage/assets/{world.ids['asset_id']}/calendar.ics", {})]


@pytest.mark.parametrize("setting", [{"BASE_URL": "https://pool.example.org/"},
                                     {"SERVER_NAME": "pool.example.org", "PREFERRED_URL_SCHEME": "https"}])
def test_forged_host_never_reaches_public_documents(app, session, make, setting):
    """Without TRUSTED_HOSTS every Host is answered, so the links in feeds, the OpenAPI servers, the calendar
    URL and QR labels come from the configured public address, never from the Host header."""
    world = build_world(session, make)
    saved = {key: app.config.get(key) for key in setting}
    app.config.update(setting)
    try:
        checked = 0
        for who, path, headers in _public_documents(world):
            client = app.test_client()
            if who != "anon":  # the session cookie is the forged host's, as the browser would keep it
                act_as(client, world.members[who], base_url="http://attacker.test")
            response = client.get(path, base_url="http://attacker.test", headers={**FORGED, **headers})
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "attacker.test" not in body, path
            assert "https://pool.example.org/" in body, path
            checked += 1
        assert checked == 9
        servers = app.test_client().get("/api/v1/openapi.json", headers=FORGED).get_json()["servers"]
        assert servers == [{"url": "https://pool.example.org/api/v1"}]
        calendar = app.test_client().get("/api/v1/me", headers={**FORGED, "Authorization":
                                                               f"Bearer {world.tokens['owner']}"}).get_json()
        assert calendar["calendar_url"] == f"https://pool.example.org/calendar/{world.secret}.ics"
        # the sign-up mails: the link that finishes a sign-up, and the login link sent to a taken address
        for email in ("newcomer@example.org", world.emails["owner"]):
            r = app.test_client().post("/signup", base_url="http://attacker.test", headers=FORGED, data={
                "name": "Newcomer", "email": email, "password": "purple tractor lends wool",
                "password_again": "purple tractor lends wool"})
            assert r.status_code == 302
            session.expire_all()
            body = session.scalars(select(OutgoingMail.body).where(OutgoingMail.to_address == email)).one()
            assert "attacker.test" not in body
            assert re.search(r"https://pool\.example\.org/(signup/confirm/\S+|login)\b", body), body
    finally:
        app.config.update(saved)


def test_base_url_keeps_its_path_prefix(app, session, make):
    world = build_world(session, make)
    app.config["BASE_URL"], saved = "https://example.org/pool", app.config.get("BASE_URL")
    try:
        feed = app.test_client().get("/gbfs/gbfs.json", headers=FORGED).get_json()
        urls = [f["url"] for f in feed["data"]["feeds"]]
        assert urls and all(u.startswith("https://example.org/pool/gbfs/") for u in urls), urls
        ics = app.test_client().get(f"/calendar/{world.secret}.ics", headers=FORGED).get_data(as_text=True)
        assert f"https://example.org/pool/bookings/{world.ids['booking_id']}" in ics
    finally:
        app.config["BASE_URL"] = saved


def _production_app(database_url, **settings):
    from app import create_app

    return create_app("production", {"SECRET_KEY": "production-test-key", "SQLALCHEMY_DATABASE_URI": database_url,
                                     **settings})


def test_production_refuses_to_start_without_a_public_address(database_url):
    with pytest.raises(RuntimeError, match="COMMONPOOL_BASE_URL.*TRUSTED_HOSTS"):
        _production_app(database_url, BASE_URL=None, SERVER_NAME=None, TRUSTED_HOSTS=None)
    for bad in ("pool.example.org", "ftp://pool.example.org", "https://pool.example.org/?x=1", "https://"):
        with pytest.raises(RuntimeError, match="COMMONPOOL_BASE_URL must be"):
            _production_app(database_url, BASE_URL=bad)
    for enough in ({"BASE_URL": "https://pool.example.org"}, {"SERVER_NAME": "pool.example.org"},
                   {"TRUSTED_HOSTS": ["pool.example.org"]}):
        _dispose(_production_app(database_url, **enough))


def _dispose(application) -> None:
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()


def test_production_sends_strict_transport_security(app, database_url, session):
    production = _production_app(database_url, BASE_URL="https://pool.example.org")
    try:
        for path in ("/healthz", "/login", "/api/v1/me", "/no-such-page"):
            response = production.test_client().get(path, headers={"Host": "pool.example.org"})
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path
    finally:
        _dispose(production)
    # development serves plain http on localhost: no HSTS there, it would stick in the browser
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers


# --- headers and limits ------------------------------------------------------------------------------------------

def _check_headers(path: str, response) -> list[str]:
    csp = response.headers.get("Content-Security-Policy", "")
    script = re.search(r"script-src([^;]*)", csp)
    problems = []
    if not script or "unsafe-inline" in script.group(1) or "unsafe-eval" in script.group(1):
        problems.append(f"{path}: CSP script-src {script.group(1) if script else None!r}")
    if "frame-ancestors 'none'" not in csp and "frame-ancestors 'self'" not in csp:
        problems.append(f"{path}: no frame-ancestors")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{path}: no nosniff")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"{path}: Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


def test_security_headers_on_every_response(app, session, make):
    world = build_world(session, make)
    client = app.test_client()
    problems = []
    act_as(client, world.members["coordinator"])
    for _, path in get_pages(app, world):
        problems += _check_headers(path, client.get(path))
    for method, path in (("GET", "/static/app.css"), ("GET", "/no-such-page"), ("DELETE", "/login"),
                         ("GET", "/api/v1/nothing"), ("POST", "/api/v1/bookings"), ("GET", "/healthz")):
        problems += _check_headers(f"{method} {path}", client.open(path, method=method))
    client = app.test_client()
    for path in ("/", "/login", "/bookings", "/api/v1/me"):
        problems += _check_headers(f"anonymous {path}", client.get(path))
    assert not problems, "\n".join(problems)


def test_pages_have_no_inline_script(app, session, make):
    world = build_world(session, make)
    client = app.test_client()
    act_as(client, world.members["coordinator"])
    for _, path in get_pages(app, world):
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        body = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", body):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: inline script {tag}"
        assert not re.search(r"\son[a-z]+=", body), f"{path}: inline event handler"


def test_request_size_is_limited(app, session, make):
    world = build_world(session, make)
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    client = app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": big})
    assert response.status_code == 413 and response.mimetype == "text/html"
    for path in ("/api/v1/bookings", "/api/v1/tokens", "/api/v1/requests"):
        response = client.post(path, data='{"note": "' + big + '"}', content_type="application/json",
                               headers={"Authorization": f"Bearer {world.tokens['owner']}"})
        assert response.status_code == 413, path
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == 413
    act_as(client, world.members["owner"])
    response = client.post("/bookings", data={"asset_id": str(world.ids["asset_id"]), "note": big})
    assert response.status_code == 413
