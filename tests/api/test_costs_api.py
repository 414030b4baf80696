"""GET /costs (public), cost records and ledger entries (coordinators), GET /me/ledger (own only)."""
from __future__ import annotations

from sqlalchemy import func, select

from fleet.models import CostRecord, LedgerEntry
from tests.api.conftest import Api


def test_public_cost_summary_needs_no_token(client, make, session):
    make.asset(make.category(name="Cars"), purchase_cost_minor=500_000)
    session.commit()
    r = Api(client, None).get("/costs")
    assert r.status_code == 200
    body = r.get_json()
    assert any(c["name"] == "Cars" for c in body["categories"])
    assert "@" not in str(body)


def test_coordinator_endpoints(api, other_api, coord_api, people, make, session):
    asset = make.asset()
    session.commit()
    member_id = people["member"].id
    body = {"asset_id": asset.id, "kind": "repair", "amount_minor": 12_050, "currency": "EUR",
            "incurred_on": "2026-10-01", "note": "chain"}
    assert api.post("/cost-records", json=body).status_code == 403
    for bad in ({**body, "amount_minor": 12.5}, {**body, "amount_minor": -1}, {**body, "currency": "eur"},
                {**body, "incurred_on": "2026-13-01"}, {**body, "asset_id": 999999}, {**body, "extra": 1}):
        assert coord_api.post("/cost-records", json=bad).status_code == 422, bad
    assert session.scalar(select(func.count(CostRecord.id))) == 0
    r = coord_api.post("/cost-records", json=body)
    assert r.status_code == 201 and r.get_json()["amount_minor"] == 12_050
    listed = coord_api.get(f"/cost-records?asset_id={asset.id}").get_json()
    assert listed["total"] == 1 and type(listed["items"][0]["amount_minor"]) is int
    entry = {"member_id": member_id, "kind": "fee", "amount_minor": 700, "currency": "EUR", "entry_date": "2026-10-02"}
    assert api.post("/ledger-entries", json=entry).status_code == 403
    assert coord_api.post("/ledger-entries", json={**entry, "amount_minor": 0}).status_code == 422
    assert coord_api.post("/ledger-entries", json={**entry, "kind": "payment",
                                                            "amount_minor": None}).status_code == 422
    assert session.scalar(select(func.count(LedgerEntry.id))) == 0
    assert coord_api.post("/ledger-entries", json=entry).status_code == 201
    assert coord_api.post("/ledger-entries", json={**entry, "kind": "payment", "amount_minor": 200}).status_code == 201
    mine = api.get("/me/ledger").get_json()
    assert mine["balances"] == [{"currency": "EUR", "amount_minor": 500}] and len(mine["entries"]) == 2
    assert other_api.get("/me/ledger").get_json() == {"entries": [], "balances": []}
    assert api.get("/ledger-entries").status_code == 403
    assert coord_api.get(f"/ledger-entries?member_id={member_id}").get_json()["total"] == 2
    summary = api.get("/costs").get_json()
    assert summary["pool"]["fees_charged"] == [{"currency": "EUR", "amount_minor": 700}]
    assert summary["pool"]["payments_received"] == [{"currency": "EUR", "amount_minor": 200}]
