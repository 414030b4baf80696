"""Login throttling slows guessing down without locking the owner out: failures count per account from one client
address and per address, past the limit each failure doubles the wait (429 with Retry-After), parallel guesses
are counted before any password is checked, and behind a trusted proxy the client's own address counts."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from fleet.core.db import utcnow
from tests.helpers import PASSWORD

ATTACKER = {"REMOTE_ADDR": "192.0.2.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}
ENDPOINTS = ["/login", "/api/v1/tokens"]


class Clock:
    """The request clock of app.auth, standing still unless a test moves it."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr("app.auth.utcnow", frozen)
    return frozen


def attempt(client, endpoint: str, email: str, password: str, environ: dict | None = None):
    if endpoint == "/login":
        return client.post("/login", data={"email": email, "password": password}, environ_base=environ or {})
    return client.post("/api/v1/tokens", json={"email": email, "password": password}, environ_base=environ or {})


def ok(endpoint: str) -> int:
    return 302 if endpoint == "/login" else 201


def wrong(endpoint: str) -> int:
    return 400 if endpoint == "/login" else 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_someone_elses_failures_never_refuse_the_owner_from_another_address(app, client, make, clock, endpoint):
    member = make.member(email="victim@example.org")
    make.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert attempt(client, endpoint, member.email, "wrong guess!", ATTACKER).status_code == wrong(endpoint)
    assert attempt(client, endpoint, member.email, PASSWORD, ATTACKER).status_code == 429
    assert attempt(app.test_client(), endpoint, member.email, PASSWORD, OWNER).status_code == ok(endpoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_wait_doubles_with_each_failure_past_the_limit_and_then_passes(app, client, make, clock, endpoint):
    member = make.member(email="victim@example.org")
    make.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert attempt(client, endpoint, member.email, "wrong guess!").status_code == wrong(endpoint)
    for expected_wait in (1, 2, 4, 8):
        refused = attempt(client, endpoint, member.email, PASSWORD)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(expected_wait)
        assert "Too many failed attempts" in refused.get_data(as_text=True)
        if endpoint != "/login":
            assert refused.mimetype == "application/problem+json" and "token" not in refused.get_json()
        clock.advance(expected_wait)
        assert attempt(client, endpoint, member.email, "wrong guess!").status_code == wrong(endpoint)
    clock.advance(16)
    assert attempt(client, endpoint, member.email, PASSWORD).status_code == ok(endpoint)
    # the right password starts the account's count from this address again
    assert attempt(app.test_client(), endpoint, member.email, "wrong guess!").status_code == wrong(endpoint)


def test_the_wait_is_capped_and_forgotten_after_a_quiet_window(app, client, make, clock):
    member = make.member(email="victim@example.org")
    make.session.commit()
    cap, limit = app.config["LOGIN_MAX_DELAY_SECONDS"], app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    waits = []
    checked = 0
    while checked < limit + 15:  # a patient guesser: each guess as soon as the wait allows
        response = attempt(client, "/login", member.email, "wrong guess!")
        if response.status_code == 429:
            waits.append(int(response.headers["Retry-After"]))
            clock.advance(waits[-1])
        else:
            assert response.status_code == 400
            checked += 1
    assert waits[:4] == [1, 2, 4, 8] and waits[-3:] == [cap] * 3 and max(waits) == cap
    clock.advance(cap + app.config["LOGIN_FAILURE_WINDOW_MINUTES"] * 60)
    # forgotten: the next failure is the first again, and no wait follows it
    assert attempt(client, "/login", member.email, "wrong guess!").status_code == 400
    assert attempt(client, "/login", member.email, PASSWORD).status_code == 302


def test_failures_from_one_address_delay_that_address_not_the_others(app, client, make, clock):
    member = make.member(email="m@example.org")
    make.session.commit()
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"], saved = 6, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    try:
        for n in range(6):  # a different (unknown) account each time: credential stuffing
            assert attempt(client, "/login", f"nobody{n}@example.org", "guess guess", ATTACKER).status_code == 400
        refused = attempt(client, "/login", member.email, PASSWORD, ATTACKER)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
        assert attempt(app.test_client(), "/login", member.email, PASSWORD, OWNER).status_code == 302
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = saved


def test_a_right_password_does_not_wipe_the_address_count(app, client, make, clock):
    """A credential stuffer who owns one account cannot reset the address's count by logging into it."""
    own = make.member(email="own@example.org")
    make.session.commit()
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"], saved = 6, app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    try:
        for n in range(5):
            assert attempt(client, "/login", f"nobody{n}@example.org", "guess guess", ATTACKER).status_code == 400
        assert attempt(app.test_client(), "/login", own.email, PASSWORD, ATTACKER).status_code == 302
        assert attempt(client, "/login", "nobody9@example.org", "guess guess", ATTACKER).status_code == 400
        assert attempt(client, "/login", "nobody10@example.org", "guess guess", ATTACKER).status_code == 429
    finally:
        app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = saved


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_parallel_burst_gets_no_more_passwords_checked_than_the_limit(app, make, session, clock, monkeypatch,
                                                                         endpoint):
    """40 guesses at once from one address: each is counted (in the database, under a lock) before its password
    is checked, so at most `limit` reach the password check; the others are answered 429."""
    import fleet.members.accounts as accounts

    email = make.member(email="victim@example.org").email
    session.commit()
    session.close()  # no transaction of ours may hold SQLite's write lock during the burst
    limit, guesses = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], 40
    checked, lock = [], threading.Lock()
    real_check = accounts.check_password_hash

    def counting_check(password_hash, password):
        with lock:
            checked.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting_check)
    start = threading.Barrier(guesses)

    def guess(n: int) -> int:
        client = app.test_client()
        start.wait()
        return attempt(client, endpoint, email, f"wrong guess {n}", ATTACKER).status_code

    with ThreadPoolExecutor(guesses) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    assert len(checked) == limit, f"{len(checked)} passwords checked against a limit of {limit}"
    assert sorted(statuses) == sorted([wrong(endpoint)] * limit + [429] * (guesses - limit))


def _proxied_app(database_url: str, proxies: int):
    from app import create_app

    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                                  "TRUSTED_PROXIES": proxies})


def test_behind_a_trusted_proxy_each_client_counts_under_its_own_address(database_url, make, session, clock):
    email = make.member(email="victim@example.org").email
    session.commit()
    session.close()  # no transaction of ours may hold SQLite's write lock while the other app works
    app = _proxied_app(database_url, 1)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    attacker = app.test_client()
    for _ in range(limit):
        r = attacker.post("/login", data={"email": email, "password": "wrong guess!"}, environ_base=proxy,
                          headers={"X-Forwarded-For": "192.0.2.66"})
        assert r.status_code == 400
    r = attacker.post("/login", data={"email": email, "password": PASSWORD}, environ_base=proxy,
                      headers={"X-Forwarded-For": "192.0.2.66"})
    assert r.status_code == 429
    r = app.test_client().post("/login", data={"email": email, "password": PASSWORD}, environ_base=proxy,
                               headers={"X-Forwarded-For": "198.51.100.7"})
    assert r.status_code == 302


def test_without_trusted_proxies_a_client_cannot_choose_its_address(database_url, make, session, clock):
    email = make.member(email="victim@example.org").email
    session.commit()
    session.close()  # no transaction of ours may hold SQLite's write lock while the other app works
    app = _proxied_app(database_url, 0)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    client = app.test_client()
    for n in range(limit):
        r = client.post("/login", data={"email": email, "password": "wrong guess!"}, environ_base=ATTACKER,
                        headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert r.status_code == 400
    r = client.post("/login", data={"email": email, "password": "wrong guess!"}, environ_base=ATTACKER,
                    headers={"X-Forwarded-For": "203.0.113.99"})
    assert r.status_code == 429
