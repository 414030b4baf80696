"""ORM rows to the API's JSON shapes (see app/api/schemas.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import jsonify

from app.urls import external_url


def rfc3339(instant: datetime | None) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def pool(p) -> dict:
    """A pool as other objects name it: the search shows whose asset it is."""
    return {"id": p.id, "slug": p.slug, "name": p.name}


def hub(h) -> dict:
    return {"id": h.id, "pool": pool(h.pool), "name": h.name, "address": h.address, "lat": h.lat, "lon": h.lon, "timezone": h.timezone,
            "opening_hours": h.opening_hours, "retired": h.retired}


def category(c) -> dict:
    return {"id": c.id, "pool": pool(c.pool), "name": c.name, "kind": c.kind.value, "description": c.description,
            "min_duration_minutes": c.min_duration_minutes, "max_duration_minutes": c.max_duration_minutes,
            "min_notice_minutes": c.min_notice_minutes, "max_advance_days": c.max_advance_days,
            "approval_required": c.approval_required, "capability_schema": c.capability_schema or {},
            "retired": c.retired, "handover_by_coordinator": c.handover_by_coordinator,
            "no_show_grace_minutes": c.no_show_grace_minutes, "condition_checklist": c.checklist_items,
            "names": c.name_translations or {}}


def asset(a, distance_km: float | None = None, via_agreement: bool = False) -> dict:
    """`via_agreement`: a partner pool's asset the reader books through a lending agreement."""
    return {"id": a.id, "pool": pool(a.category.pool), "name": a.name, "description": a.description,
            "category_id": a.category_id, "via_agreement": via_agreement,
            "hub_id": a.hub_id, "status": a.status.value, "capabilities": a.capabilities or {},
            "type": a.asset_type or None, "design_url": a.design_url, "design_licence": a.design_licence,
            "purchase_cost_minor": a.purchase_cost_minor, "currency": a.currency,
            "purchase_date": a.purchase_date.isoformat() if a.purchase_date else None,
            "meter_unit": a.meter_unit.value if a.meter_unit else None,
            "distance_km": round(distance_km, 3) if distance_km is not None else None,
            "use_instructions": a.use_instructions, "photos": [asset_photo(p) for p in a.photos]}


def remote_item(item, distance_km: float | None = None) -> dict:
    """A partner installation's item in a search: book it with POST /remote-bookings."""
    return {"remote": True, "remote_item_id": item.id, "partner": item.partner.name, "name": item.name,
            "category": item.category, "description": item.description, "url": item.url,
            "location_name": item.location_name, "lat": item.lat, "lon": item.lon,
            "distance_km": round(distance_km, 3) if distance_km is not None else None}


def asset_photo(p) -> dict:
    return {"id": p.id, "alt_text": p.alt_text,
            "url": external_url("catalogue.asset_photo", asset_id=p.asset_id, photo_id=p.id),
            "thumbnail_url": external_url("catalogue.asset_photo", asset_id=p.asset_id, photo_id=p.id, thumb=1)}


def booking(b) -> dict:
    return {"id": b.id, "asset_id": b.asset_id, "member_id": b.member_id, "start": rfc3339(b.start_at),
            "end": rfc3339(b.end_at), "status": b.status.value, "note": b.note, "created_at": rfc3339(b.created_at),
            "decided_at": rfc3339(b.decided_at), "decision_reason": b.decision_reason,
            "cancelled_at": rfc3339(b.cancelled_at)}


def maintenance(m, hit=None) -> dict:
    body = {"id": m.id, "asset_id": m.asset_id, "start": rfc3339(m.start_at), "end": rfc3339(m.end_at),
            "reason": m.reason}
    if hit is not None:
        body["bookings_hit"] = [booking(b) for b in hit]
    return body


def page(items: list[dict], page_number: int, per_page: int, total: int):
    return jsonify({"items": items, "page": page_number, "per_page": per_page, "total": total})
