"""Agreements with partner installations: a coordinator registers a partner (its base URL, its public key and
key id, pasted or read from its well-known document) and may revoke it. Registering makes the local account
that stands for the partner's members when they book here (no password anyone knows, no login, no email, no
vote in the pool's decisions); revoking
stops its signed requests at once and removes its items from this installation's search."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.text import single_line
from fleet.federation.http_client import PartnerUnreachable, call
from fleet.federation.keys import installation_key, public_key_from
from fleet.members.accounts import hash_password
from fleet.members.notifications import set_email_preferences
from fleet.members.permissions import require_admin
from fleet.models import Member, Partner, PartnerStatus, RemoteItem, Role

WELL_KNOWN_PATH = "/.well-known/commonpool-federation"
BOOKINGS_PATH = "/federation/v1/bookings"
CANCEL_PATH = "/federation/v1/bookings/cancel"
COMMONS_API_PATH = "/commons-api/v1"


@dataclass(frozen=True)
class PartnerInput:
    name: str
    base_url: str
    key_id: str
    public_key: str


def normalised_base_url(value: str) -> str:
    """An http(s) URL without query, fragment or trailing slash; a ValidationFailed otherwise."""
    value = single_line(value, "base_url").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValidationFailed("Give the partner's address as http(s)://host[:port][/path].", field="base_url")
    return value


def well_known(session: Session, name: str, base_url: str, now: datetime) -> dict:
    """What this installation publishes about itself for partners (never the private key)."""
    key = installation_key(session, now)
    return {"name": name, "base_url": base_url, "key_id": key.key_id, "algorithm": "ed25519",
            "public_key": key.public_key, "commons_api": base_url + COMMONS_API_PATH,
            "bookings": base_url + BOOKINGS_PATH}


def read_well_known(base_url: str, timeout: float) -> PartnerInput:
    """What a partner publishes about itself, read from its well-known document, for a coordinator to check and
    register; a ValidationFailed when it cannot be read."""
    base_url = normalised_base_url(base_url)
    try:
        answer = call("GET", base_url + WELL_KNOWN_PATH, timeout, {"Accept": "application/json"})
        document = answer.json() if answer.status == 200 else None
    except PartnerUnreachable:
        document = None
    fields = ("name", "key_id", "public_key")
    if document is None or not all(isinstance(document.get(f), str) for f in fields):
        raise ValidationFailed("No federation document could be read at that address.", field="base_url")
    return PartnerInput(document["name"][:120], base_url, document["key_id"][:64], document["public_key"][:64])


def register_partner(session: Session, actor: Member, data: PartnerInput, now: datetime) -> Partner:
    require_admin(actor)
    name = single_line(data.name, "name").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Give the partner a name of at most 120 characters.", field="name")
    base_url = normalised_base_url(data.base_url)
    key_id = single_line(data.key_id, "key_id").strip()
    if not key_id or len(key_id) > 64:
        raise ValidationFailed("Give the partner's key id (at most 64 characters).", field="key_id")
    public_key_from(data.public_key)
    if key_id == installation_key(session, now).key_id:
        raise ValidationFailed("That is this installation's own key.", field="key_id")
    if session.scalar(select(Partner.id).where((Partner.base_url == base_url) | (Partner.key_id == key_id))):
        raise Conflict("A partner with that address or key is registered already.", field="base_url")
    stand_in = Member(email=f"partner-{secrets.token_hex(8)}@federation.invalid", name=f"{name} (partner)",
                      password_hash=hash_password(secrets.token_urlsafe(32)), role=Role.member, created_at=now)
    session.add(stand_in)
    session.flush()
    set_email_preferences(session, stand_in, set())  # nobody reads its mail: the partner's member is told by A
    partner = Partner(name=name, base_url=base_url, key_id=key_id, public_key=data.public_key.strip(),
                      status=PartnerStatus.active, member_id=stand_in.id, created_at=now, etags={}, documents={},
                      failures=0, last_error="")
    session.add(partner)
    session.flush()
    return partner


def list_partners(session: Session, actor: Member) -> list[Partner]:
    require_admin(actor)
    return list(session.scalars(select(Partner).order_by(Partner.name, Partner.id)))


def get_partner(session: Session, actor: Member, partner_id: int) -> Partner:
    require_admin(actor)
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound("No such partner.")
    return partner


def revoke_partner(session: Session, actor: Member, partner_id: int, now: datetime) -> Partner:
    """End the agreement: the partner's requests are refused from now on and its items leave the search."""
    partner = get_partner(session, actor, partner_id)
    partner.revoke(now)
    session.execute(delete(RemoteItem).where(RemoteItem.partner_id == partner.id))
    session.flush()
    return partner


def active_partner_key(session: Session, key_id: str) -> tuple[Partner, Ed25519PublicKey] | None:
    """The ACTIVE partner holding this key id and its public key, or None."""
    partner = session.scalar(select(Partner).where(Partner.key_id == key_id, Partner.status == PartnerStatus.active))
    if partner is None:
        return None
    return partner, public_key_from(partner.public_key)
