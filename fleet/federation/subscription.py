"""Subscribing to partners: fetch each ACTIVE partner's Commons API items, locations and availability, with
If-None-Match (a 304 keeps the last body), and keep its items as RemoteItem rows (name, category, place,
free slots). A failed fetch is recorded on the partner (last error, failures) and the next attempt backs off
exponentially, from a minute to six hours; a success resets it and comes back after `REFRESH`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from fleet.federation.http_client import PartnerUnreachable, call
from fleet.federation.partners import COMMONS_API_PATH
from fleet.models import Partner, PartnerStatus, RemoteItem

DOCUMENTS = ("items", "locations", "availability")
REFRESH = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class FetchOutcome:
    partner_id: int
    ok: bool
    changed: bool
    error: str = ""


def backoff(failures: int) -> timedelta:
    """How long to wait after `failures` failed fetches in a row: 1, 2, 4 ... minutes, at most six hours."""
    return min(FIRST_BACKOFF * (2 ** max(failures - 1, 0)), MAX_BACKOFF)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value, limit: int) -> str:
    """A partner's text, as data: a string without control characters (PostgreSQL refuses NUL), cut to `limit`."""
    return _CONTROL.sub("", value)[:limit] if isinstance(value, str) else ""


def _web_address(value) -> str:
    """Only an http(s) link is kept: the search page links to it, and a javascript: URL must never get there."""
    text = _text(value, 500)
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc else ""


def _places(document: dict) -> dict[str, tuple[str, float | None, float | None]]:
    places = {}
    features = (document.get("locations") or {}).get("features") if isinstance(document, dict) else None
    for feature in features if isinstance(features, list) else []:
        try:
            props, (lon, lat) = feature["properties"], feature["geometry"]["coordinates"][:2]
            places[str(props["id"])] = (_text(props.get("name"), 200), float(lat), float(lon))
        except (KeyError, TypeError, ValueError):
            continue  # a feature this installation cannot place is left out, not the whole document
    return places


def _free_slots(document: dict) -> dict[str, list[list[str]]]:
    slots: dict[str, list[list[str]]] = {}
    entries = document.get("availability") if isinstance(document, dict) else None
    for slot in entries if isinstance(entries, list) else []:
        try:
            start = datetime.fromisoformat(slot["start"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(slot["end"].replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if start.tzinfo is not None and end.tzinfo is not None and start < end:
            slots.setdefault(str(slot.get("itemId")), []).append([start.isoformat(), end.isoformat()])
    for free in slots.values():
        free.sort(key=lambda pair: datetime.fromisoformat(pair[0]))
    return slots


def store_remote_items(session: Session, partner: Partner, documents: dict[str, dict], now: datetime) -> int:
    """Replace the partner's RemoteItem rows by what the documents say; how many items it has now."""
    places = _places(documents["locations"])
    free = _free_slots(documents["availability"])
    existing = {r.remote_id: r for r in session.scalars(select(RemoteItem).where(RemoteItem.partner_id == partner.id))}
    seen = set()
    entries = documents["items"].get("items") if isinstance(documents["items"], dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not isinstance(entry.get("name"), str):
            continue
        remote_id = _text(entry["id"], 100)
        if remote_id in seen:
            continue
        seen.add(remote_id)
        place_name, lat, lon = places.get(str(entry.get("locationId")), ("", None, None))
        row = existing.get(remote_id) or RemoteItem(partner_id=partner.id, remote_id=remote_id)
        row.name, row.category = _text(entry["name"], 200), _text(entry.get("category"), 120)
        row.description, row.url = _text(entry.get("description"), 5000), _web_address(entry.get("url"))
        row.location_name, row.lat, row.lon = place_name, lat, lon
        row.free, row.fetched_at = free.get(remote_id, []), now
        session.add(row)
    gone = [remote_id for remote_id in existing if remote_id not in seen]
    if gone:
        session.execute(delete(RemoteItem).where(RemoteItem.partner_id == partner.id, RemoteItem.remote_id.in_(gone)))
    session.flush()
    return len(seen)


def fetch_partner(session: Session, partner: Partner, now: datetime, timeout: float) -> FetchOutcome:
    """Fetch one partner's documents and store its items; failures are recorded, never raised."""
    documents, etags, changed = dict(partner.documents or {}), dict(partner.etags or {}), False
    try:
        for name in DOCUMENTS:
            headers = {"Accept": "application/json"}
            if etags.get(name) and name in documents:
                headers["If-None-Match"] = etags[name]
            answer = call("GET", f"{partner.base_url}{COMMONS_API_PATH}/{name}.json", timeout, headers)
            if answer.status == 304 and name in documents:
                continue
            if answer.status != 200:
                raise PartnerUnreachable(f"The partner answered {answer.status} for {name}.json.")
            documents[name], changed = answer.json(), True
            etag = answer.headers.get("ETag") or answer.headers.get("Etag")
            if etag:
                etags[name] = etag
            else:
                etags.pop(name, None)
    except PartnerUnreachable as exc:
        partner.failures = (partner.failures or 0) + 1
        partner.last_error, partner.last_error_at = str(exc)[:300], now
        partner.next_attempt_at = now + backoff(partner.failures)
        session.flush()
        return FetchOutcome(partner.id, ok=False, changed=False, error=str(exc))
    if changed:
        store_remote_items(session, partner, documents, now)
        partner.documents, partner.etags = documents, etags
    partner.failures, partner.last_error, partner.last_success_at = 0, "", now
    partner.next_attempt_at = now + REFRESH
    session.flush()
    return FetchOutcome(partner.id, ok=True, changed=changed)


def due_partners(session: Session, now: datetime) -> list[Partner]:
    return list(session.scalars(select(Partner).where(
        Partner.status == PartnerStatus.active,
        or_(Partner.next_attempt_at.is_(None), Partner.next_attempt_at <= now)).order_by(Partner.id)))


def fetch_due(session: Session, now: datetime, timeout: float, force: bool = False) -> list[FetchOutcome]:
    """Fetch every active partner whose next attempt is due (all active ones with `force`)."""
    partners = due_partners(session, now) if not force else list(session.scalars(
        select(Partner).where(Partner.status == PartnerStatus.active).order_by(Partner.id)))
    return [fetch_partner(session, partner, now, timeout) for partner in partners]
