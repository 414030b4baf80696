"""API bearer tokens: issued once, stored as a SHA-256, listed and revoked by their member."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import NotFound, ValidationFailed
from fleet.models import ApiToken, Member

TOKEN_PREFIX = "cp_"
# Writing last_used_at on every request would turn every read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, member: Member, name: str, now: datetime) -> tuple[str, ApiToken]:
    """Return the token (shown once) and its stored record."""
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationFailed("A token name has at most 100 characters.", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(member_id=member.id, name=name or "API token", token_hash=_digest(token),
                      prefix=token[:10], created_at=now)
    session.add(record)
    session.flush()
    return token, record


def member_for_token(session: Session, token: str, now: datetime) -> Member | None:
    """The active member a valid, unrevoked token belongs to, else None."""
    if not token or len(token) > 200:
        return None
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None:
        return None
    member = record.member
    if member is None or not member.active:
        return None
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        record.last_used_at = now
        session.flush()
    return member


def list_tokens(session: Session, member: Member) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, member: Member, token_id: int, now: datetime) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None or record.member_id != member.id:
        raise NotFound("No such token.")
    if record.revoked_at is None:
        record.revoked_at = now
        session.flush()
    return record
