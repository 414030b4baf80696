"""One process of the idempotency race: the same 100 keyed requests the other process sends at the same time."""
from __future__ import annotations

from datetime import datetime, timedelta


def send_all(database_url: str, token: str, asset_id: int, base_iso: str, n: int,
             go_at: float) -> list[tuple[int, str, bool]]:
    import time

    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()
    client.get("/api/v1/openapi.json")  # warm up (imports, connection) before the start line
    time.sleep(max(0.0, go_at - time.time()))  # both processes start sending at the same moment
    base = datetime.fromisoformat(base_iso)
    results = []
    for i in range(n):
        start = base + timedelta(hours=i)
        body = {"asset_id": asset_id, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
        r = client.post("/api/v1/bookings", json=body,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"race-{i}"})
        results.append((r.status_code, r.get_data(as_text=True), r.headers.get("Idempotent-Replayed") == "true"))
    return results
