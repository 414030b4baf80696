"""The open-book and planning pages: coordinators only where it says so, 422 with field errors and nothing
written on bad input, the member sees only their own ledger, the public page names nobody."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fleet.reporting import costs
from fleet.core.db import utcnow
from fleet.models import BookingStatus, Tariff, CostRecord, LedgerEntry, PlanningRun, Role
from tests.helpers import login


@pytest.fixture
def pool(make, session):
    coordinator = make.member(Role.coordinator, email="coord@example.org")
    alice = make.member(email="alice@example.org", name="Alice Example")
    bob = make.member(email="bob@example.org", name="Bob Example")
    hub = make.hub()
    cat = make.category(name="Cars")
    asset = make.asset(cat, hub, purchase_cost_minor=1_000_000)
    now = utcnow()
    start = (now - timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    make.booking(asset, alice, start, start + timedelta(hours=4), status=BookingStatus.completed)
    costs.record_ledger_entry(session, coordinator, alice.id, "fee", 1_250, "EUR", date.today(), "Alice's fee", now)
    costs.record_ledger_entry(session, coordinator, bob.id, "fee", 999, "EUR", date.today(), "Bob's fee", now)
    session.commit()
    return dict(coordinator=coordinator, alice=alice, bob=bob, asset=asset, category=cat)


COORDINATOR_ONLY = [("GET", "/manage/costs"), ("POST", "/manage/costs"), ("GET", "/manage/ledger"),
                    ("POST", "/manage/ledger"), ("GET", "/manage/planning"), ("POST", "/manage/planning")]


def test_members_get_403_on_coordinator_pages(client, pool, session):
    login(client, "alice@example.org")
    routes = COORDINATOR_ONLY + [("POST", f"/manage/costs/fees/{pool['category'].id}")]
    for method, url in routes:
        assert client.open(url, method=method, data={"days": "7", "time_limit": "5"}).status_code == 403, url
    assert session.scalar(select(func.count(PlanningRun.id))) == 0


def test_anonymous_visitors_see_the_public_costs_only(client, pool):
    assert client.get("/pool/costs").status_code == 200
    for url in ("/my/ledger", "/manage/costs"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_public_cost_page_names_no_member(client, pool):
    html = client.get("/pool/costs").get_data(as_text=True)
    assert "Cars" in html and "EUR 22.49" in html  # fees charged: 12.50 + 9.99
    assert "Alice" not in html and "@example.org" not in html and "Bob" not in html


def test_member_sees_only_their_own_ledger(client, pool):
    login(client, "alice@example.org")
    html = client.get("/my/ledger").get_data(as_text=True)
    assert "EUR 12.50" in html and "Alice&#39;s fee" in html and "You owe" in html
    assert "Bob&#39;s fee" not in html and "EUR 9.99" not in html


def test_coordinator_records_a_cost_and_bad_input_is_422_with_nothing_written(client, pool, session):
    login(client, "coord@example.org")
    good = {"asset_id": str(pool["asset"].id), "kind": "repair", "amount": "120.50", "currency": "EUR",
            "incurred_on": date.today().isoformat(), "note": "new chain"}
    for field, value in (("amount", "12.345"), ("amount", "-3"), ("amount", ""), ("currency", "euro"),
                         ("incurred_on", "yesterday"), ("kind", "bribe"), ("asset_id", "999999"), ("asset_id", "")):
        r = client.post("/manage/costs", data={**good, field: value})
        assert r.status_code == 422, (field, value)
        assert 'class="error"' in r.get_data(as_text=True) or "flash-error" in r.get_data(as_text=True)
    assert session.scalar(select(func.count(CostRecord.id))) == 0
    r = client.post("/manage/costs", data=good)
    assert r.status_code == 302
    record = session.scalar(select(CostRecord))
    assert record.amount_minor == 12_050 and type(record.amount_minor) is int and record.currency == "EUR"
    assert "EUR 120.50" in client.get("/manage/costs").get_data(as_text=True)


def test_coordinator_sets_a_fee_and_bad_fee_is_422(client, pool, session):
    login(client, "coord@example.org")
    url = f"/manage/costs/fees/{pool['category'].id}"
    r = client.post(url, data={"per_hour": "1.5x", "currency": "EUR"})
    assert r.status_code == 422 and session.scalar(select(func.count(Tariff.id))) == 0
    assert client.post(url, data={"per_hour": "2.40", "per_km": "", "currency": "EUR"}).status_code == 302
    fee = session.scalar(select(Tariff))
    assert (fee.per_hour_minor, fee.per_km_minor, fee.currency) == (240, None, "EUR")


def test_coordinator_records_ledger_entries(client, pool, session):
    login(client, "coord@example.org")
    before = session.scalar(select(func.count(LedgerEntry.id)))
    for data in ({"member": "nobody@example.org", "kind": "payment", "amount": "5"},
                 {"member": "alice@example.org", "kind": "payment", "amount": ""},
                 {"member": "alice@example.org", "kind": "gift", "amount": "5"},
                 {"member": "alice@example.org", "kind": "payment", "amount": "0"}):
        r = client.post("/manage/ledger", data={"currency": "EUR", "entry_date": date.today().isoformat(), **data})
        assert r.status_code == 422, data
    assert session.scalar(select(func.count(LedgerEntry.id))) == before
    r = client.post("/manage/ledger", data={"member": "alice@example.org", "kind": "payment", "amount": "12.50",
                                             "currency": "EUR", "entry_date": date.today().isoformat()})
    assert r.status_code == 302
    login(client, "alice@example.org")
    assert "balance in EUR is zero" in client.get("/my/ledger").get_data(as_text=True)


def test_planning_page_computes_stores_and_offers_the_instance(client, pool, session, tmp_path):
    login(client, "coord@example.org")
    assert client.post("/manage/planning", data={"days": "0", "time_limit": "5"}).status_code == 422
    assert client.post("/manage/planning", data={"days": "7", "time_limit": "abc"}).status_code == 422
    assert session.scalar(select(func.count(PlanningRun.id))) == 0
    r = client.post("/manage/planning", data={"days": "7", "time_limit": "5"})
    assert r.status_code == 302
    session.close()  # the plan is computed by a background thread (no REDIS_URL here): wait for it
    for thread in client.application.extensions.pop("planning_threads"):
        thread.join(120)
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and "What to buy next" in page.get_data(as_text=True)
    run = session.scalar(select(PlanningRun))
    instance = client.get(f"/manage/planning/{run.id}/instance.json")
    assert instance.status_code == 200 and json.loads(instance.data)["version"] == 1
    report = client.get(f"/manage/planning/{run.id}/report.json")
    assert json.loads(report.data)["categories"]
    import subprocess
    import sys

    path = tmp_path / "instance.json"
    path.write_bytes(instance.data)
    res = subprocess.run([sys.executable, "-m", "scheduling", "plan", str(path), "--time-limit", "5"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["categories"][0]["demand"] == json.loads(report.data)["categories"][0]["demand"]
    assert client.get("/manage/planning").status_code == 200
    assert client.get("/manage/planning/999999").status_code == 404
