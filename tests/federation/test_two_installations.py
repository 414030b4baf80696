"""Two Commonpool installations, each with its own database (two SQLite files, or two PostgreSQL databases made
and dropped here with COMMONPOOL_TEST_DATABASE=postgres), served on loopback ports: they exchange keys, make an
agreement, publish and subscribe, and a member of A books B's trailer. Then the faults: B down (nothing
half-booked, the member told, the failed request released at B by key so a late copy books nothing), a
replayed request and a tampered body (refused), a repeated idempotency key (the same booking), and revoked
agreements (B refuses A; B's items leave A's search). At the end: 0 double bookings and 0 half-bookings."""
from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.helpers import Maker, login, postgres_admin_url, postgres_available

BACKEND = os.environ.get("COMMONPOOL_TEST_DATABASE", "sqlite").lower()
pytestmark = [pytest.mark.db, pytest.mark.slow]


@contextmanager
def two_databases(tmp_path):
    if BACKEND == "sqlite":
        yield [f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"]
        return
    if not postgres_available():
        pytest.skip("PostgreSQL is not running here; the SQLite run covers the scenario")
    import psycopg

    admin = postgres_admin_url()
    names = [f"commonpool_fed_{side}_{uuid.uuid4().hex[:10]}" for side in ("a", "b")]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Installation:
    """One installation: its app, its own database and an HTTP server on a loopback port."""

    def __init__(self, name: str, database_url: str):
        from flask_migrate import upgrade

        from app import create_app

        self.name = name
        self.slug = name.lower().replace(" ", "-")
        self.app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                                          "FEDERATION_NAME": name, "FEDERATION_HTTP_TIMEOUT": 5,
                                          "LOGIN_MAX_FAILURES_PER_ADDRESS": 1000})
        with self.app.app_context():
            upgrade()
        self.port = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port or 0, self.app, threaded=True)
        self.port = self.server.port
        self.app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    @contextmanager
    def db(self):
        from app.extensions import db

        with self.app.app_context():
            yield db.session
            db.session.rollback()

    def close(self) -> None:
        from app.extensions import db

        self.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def http(method: str, url: str, token: str | None = None, body: dict | None = None,
         headers: dict | None = None, raw: bytes | None = None) -> tuple[int, dict, dict]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else {}), dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        text = exc.read()
        return exc.code, (json.loads(text) if text else {}), dict(exc.headers.items())


def seed(installation: Installation, hub_place: tuple[float, float], assets: list[str]):
    """A coordinator and a member with API tokens, a hub and trailers; returns (tokens, asset ids)."""
    from fleet.members.tokens import issue_token
    from fleet.models import Role

    with installation.db() as session:
        make = Maker(session)
        coordinator = make.member(role=Role.admin, email=f"coordinator@{installation.slug}.example")
        member = make.member(email=f"member@{installation.slug}.example", home_lat=52.0900, home_lon=5.1200)
        hub = make.hub(name=f"Station {installation.name}", lat=hub_place[0], lon=hub_place[1])
        trailers = make.category(name="Trailers", capability_schema={"payload_kg": "number"})
        ids = [make.asset(trailers, hub, name=name, capabilities={"payload_kg": 750}).id for name in assets]
        now = datetime.now(timezone.utc)
        tokens = {"coordinator": issue_token(session, coordinator, "test", now)[0],
                  "member": issue_token(session, member, "test", now)[0]}
        session.commit()
    return tokens, ids


@pytest.fixture
def installations(tmp_path):
    with two_databases(tmp_path) as (url_a, url_b):
        a, b = Installation("Town A", url_a), Installation("Town B", url_b)
        try:
            yield a, b
        finally:
            a.close()
            b.close()


def fetch_partners(installation: Installation) -> str:
    result = installation.app.test_cli_runner().invoke(args=["federation", "fetch", "--all"])
    assert result.exit_code == 0, result.output
    return result.output


def remote_hits(installation: Installation, token: str, start: datetime, end: datetime) -> list[dict]:
    query = urllib.parse.urlencode({"near": "52.09,5.12", "available_from": start.isoformat(),
                                    "available_until": end.isoformat()})
    status, page, _ = http("GET", f"{installation.url}/api/v1/assets?{query}", token)
    assert status == 200, page
    return page["items"]


def book(installation: Installation, token: str, remote_item_id: int, start: datetime, end: datetime):
    return http("POST", f"{installation.url}/api/v1/remote-bookings", token,
                {"remote_item_id": remote_item_id, "start": start.isoformat(), "end": end.isoformat()})


def test_two_installations_federate_and_refuse_the_faults(installations, monkeypatch):
    from fleet.federation import remote_bookings as remote_module
    from fleet.federation.remote_bookings import installation_signer, signed_post
    from fleet.models import (
        HOLDING_STATUSES, Booking, Partner, PartnerBooking, RemoteBooking, RemoteBookingStatus, RemoteItem,
    )

    a, b = installations
    a_tokens, (local_far,) = seed(a, (52.2000, 5.3000), ["A's far trailer"])  # ~17 km from the member
    b_tokens, (trailer, _spare) = seed(b, (52.0950, 5.1300), ["B's box trailer", "B's spare trailer"])  # ~1 km

    # --- keys and the agreement, both ways -------------------------------------------------------------------
    for this, other in ((a, b), (b, a)):
        status, document, _ = http("GET", f"{other.url}/.well-known/commonpool-federation")
        assert status == 200 and document["base_url"] == other.url and "private" not in json.dumps(document)
        token = (a_tokens if this is a else b_tokens)["coordinator"]
        status, partner, _ = http("POST", f"{this.url}/api/v1/partners", token, {
            "name": document["name"], "base_url": document["base_url"], "key_id": document["key_id"],
            "public_key": document["public_key"]})
        assert status == 201 and partner["status"] == "active", partner

    # --- publish and subscribe -----------------------------------------------------------------------------------
    assert "1 partners_fetched" in fetch_partners(a)
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    start, end = tomorrow, tomorrow + timedelta(hours=2)
    hits = remote_hits(a, a_tokens["member"], start, end)
    remote = [h for h in hits if h.get("remote")]
    assert {h["name"] for h in remote} == {"B's box trailer", "B's spare trailer"}
    assert all(h["partner"] == "Town B" for h in remote)
    # nearest first, mixed with the local asset by distance: B's trailers 1 km away come before A's own, 17 km
    assert [h["name"] for h in hits][-1] == "A's far trailer" and hits[0].get("remote")
    box = next(h for h in remote if h["name"] == "B's box trailer")

    with a.db() as session:  # the items document is fetched conditionally: B answers 304 to A's ETag
        etag = session.scalar(select(Partner)).etags["items"]
    status, _, _ = http("GET", f"{b.url}/commons-api/v1/items.json", headers={"If-None-Match": etag})
    assert status == 304

    # the web search shows it too, marked as remote
    web = a.app.test_client()
    login(web, f"member@{a.slug}.example")
    page = web.get("/assets", query_string={"from": start.strftime("%Y-%m-%dT%H:%M"),
                                            "until": end.strftime("%Y-%m-%dT%H:%M"), "near": "home"})
    assert page.status_code == 200 and "Remote: Town B" in page.get_data(as_text=True)

    # --- book B's trailer from A, capturing the signed request as it goes out ------------------------------------
    sent = []
    real_call = remote_module.call

    def capturing_call(method, url, timeout, headers=None, body=None):
        sent.append((method, url, dict(headers or {}), body))
        return real_call(method, url, timeout, headers, body)

    monkeypatch.setattr(remote_module, "call", capturing_call)
    status, booked, _ = book(a, a_tokens["member"], box["remote_item_id"], start, end)
    assert status == 201 and booked["status"] == "confirmed" and booked["partner_booking_id"], booked
    with b.db() as session:
        at_b = session.get(Booking, int(booked["partner_booking_id"]))
        assert at_b.asset_id == trailer and at_b.start_at == start and at_b.status.value == "confirmed"

    # a replayed request (same signature, same nonce) is refused
    method, url, headers, body = sent[-1]
    status, refusal, _ = http(method, url, headers=headers, raw=body)
    assert status == 401 and "seen before" in refusal["detail"]
    # the same idempotency key in a freshly signed request gets the same booking, never a second one
    with a.db() as session:
        signer = installation_signer(session, datetime.now(timezone.utc))
    again = signed_post(signer, url, json.loads(body), 5)
    assert again.json() == {"status": "confirmed", "booking_id": booked["partner_booking_id"]}
    # a tampered body (the signature no longer matches the digest) is refused and books nothing
    tampered = body.replace(b'"item_id": "%d"' % trailer, b'"item_id": "%d"' % _spare)
    assert tampered != body
    status, refusal, _ = http(method, url, headers=headers, raw=tampered)
    assert status == 401 and "Content-Digest" in refusal["detail"]
    # a booking that clashes is refused by B, which decides
    status, refusal, _ = book(a, a_tokens["member"], box["remote_item_id"], start, end)
    assert status in (409, 422)  # A's copy of B's availability may not know yet; then B refuses it

    # --- B is down: nothing half-booked, the member is told --------------------------------------------------------
    spare = next(h for h in remote if h["name"] == "B's spare trailer")
    b.stop()
    status, problem, _ = book(a, a_tokens["member"], spare["remote_item_id"], start, end)
    assert status == 503 and "Town B" in problem["detail"]
    late = sent[-1]
    with a.db() as session:
        failed = session.scalar(select(RemoteBooking).where(RemoteBooking.status == RemoteBookingStatus.failed))
        assert failed is not None and not failed.released
        failed_id = failed.id
    b.start()
    fetch_partners(a)  # the tick: releases the failed booking at B, by its key
    with a.db() as session:
        assert session.get(RemoteBooking, failed_id).released
    # the lost request arriving late (still inside its signature window) books nothing
    status, answer, _ = http(late[0], late[1], headers=late[2], raw=late[3])
    assert status == 200 and answer == {"status": "cancelled"}

    # --- cancel goes the same way ------------------------------------------------------------------------------
    later = start + timedelta(days=1)
    retry_safe = {"remote_item_id": box["remote_item_id"], "start": later.isoformat(),
                  "end": (later + timedelta(hours=3)).isoformat()}
    status, second, _ = http("POST", f"{a.url}/api/v1/remote-bookings", a_tokens["member"], retry_safe,
                             headers={"Idempotency-Key": "member-retry-1"})
    assert status == 201, second
    # the member's retry with the same Idempotency-Key gets the same answer and asks B for nothing more
    status, replayed, headers = http("POST", f"{a.url}/api/v1/remote-bookings", a_tokens["member"], retry_safe,
                                     headers={"Idempotency-Key": "member-retry-1"})
    assert status == 201 and replayed == second and headers.get("Idempotent-Replayed") == "true"
    status, cancelled, _ = http("POST", f"{a.url}/api/v1/remote-bookings/{second['id']}/cancel", a_tokens["member"])
    assert status == 200 and cancelled["status"] == "cancelled"
    with b.db() as session:
        assert session.get(Booking, int(second["partner_booking_id"])).status.value == "cancelled"

    # --- the same from the web: the search's form asks B, My bookings shows the answer ---------------------------
    asked = web.post(f"/remote-items/{spare['remote_item_id']}/book",
                     data={"start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat()})
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/bookings")
    mine = web.get("/bookings").get_data(as_text=True)
    assert "B&#39;s spare trailer" in mine and "Town B confirmed your booking" in mine

    # --- revoked agreements -----------------------------------------------------------------------------------
    with b.db() as session:
        a_at_b = session.scalar(select(Partner))
        a_at_b_id, stand_in = a_at_b.id, a_at_b.member_id
    status, revoked, _ = http("POST", f"{b.url}/api/v1/partners/{a_at_b_id}/revoke", b_tokens["coordinator"])
    assert status == 200 and revoked["status"] == "revoked"
    status, problem, _ = book(a, a_tokens["member"], spare["remote_item_id"], later, later + timedelta(hours=1))
    assert status == 503 and "active partner" in problem["detail"]  # B refused A's signature: nothing booked
    with a.db() as session:
        b_at_a_id = session.scalar(select(Partner.id))
    status, _, _ = http("POST", f"{a.url}/api/v1/partners/{b_at_a_id}/revoke", a_tokens["coordinator"])
    assert status == 200
    assert not [h for h in remote_hits(a, a_tokens["member"], start, end) if h.get("remote")]
    with a.db() as session:
        assert session.scalar(select(RemoteItem.id)) is None

    # --- the ledger of both sides: 0 double bookings, 0 half-bookings ---------------------------------------------
    # (one installation at a time: db.session answers for the app whose context is current)
    with a.db() as session:
        remote_rows = [(r.idempotency_key, r.status, r.released, r.partner_booking_id)
                       for r in session.scalars(select(RemoteBooking))]
    assert not [r for r in remote_rows if r[1] == RemoteBookingStatus.pending]
    assert not [r for r in remote_rows if r[1] == RemoteBookingStatus.failed and not r[2]]
    confirmed = {key: partner_booking_id for key, status, _, partner_booking_id in remote_rows
                 if status == RemoteBookingStatus.confirmed}
    # booked, refused (clash), failed (down), cancelled, booked from the web, refused (revoked)
    assert len(confirmed) == 2 and len(remote_rows) == 6
    with b.db() as session:
        holding = [h.id for h in session.scalars(select(Booking).where(Booking.member_id == stand_in,
                                                                        Booking.status.in_(HOLDING_STATUSES)))]
        answered = {p.booking_id: p.idempotency_key for p in session.scalars(select(PartnerBooking))
                    if p.booking_id is not None}
        every = [(x.id, x.asset_id, x.start_at, x.end_at)
                 for x in session.scalars(select(Booking).where(Booking.status.in_(HOLDING_STATUSES)))]
    # every booking B holds for A's members is exactly one confirmed RemoteBooking on A, and vice versa
    assert sorted(answered[h] for h in holding) == sorted(confirmed)
    assert sorted(str(h) for h in holding) == sorted(confirmed.values())
    double = [(x[0], y[0]) for x in every for y in every
              if x[0] < y[0] and x[1] == y[1] and x[2] < y[3] and y[2] < x[3]]
    assert double == []
    assert local_far  # A's own asset stayed A's: nothing about it crossed over


def test_a_coordinator_reads_a_partners_key_from_its_address(installations):
    a, b = installations
    seed(a, (52.2, 5.3), [])
    with b.db() as session:
        from fleet.federation.keys import installation_key

        key_id = installation_key(session, datetime.now(timezone.utc)).key_id
        session.commit()
    web = a.app.test_client()
    login(web, f"coordinator@{a.slug}.example")
    page = web.post("/manage/partners", data={"base_url": b.url + "/", "read": "1"}).get_data(as_text=True)
    assert key_id in page and 'value="Town B"' in page  # filled in, not registered yet
    nothing = web.post("/manage/partners", data={"base_url": "http://127.0.0.1:9", "read": "1"})
    assert nothing.status_code == 422 and "No federation document" in nothing.get_data(as_text=True)
