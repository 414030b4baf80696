"""API bearer tokens: issued once, stored as a SHA-256, optionally expiring, listed and revoked by their member;
all of a member's tokens are revoked when their password changes."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.text import single_line
from fleet.models import ApiToken, Member

TOKEN_PREFIX = "cp_"
# Writing last_used_at on every request would turn every read into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, member: Member, name: str, now: datetime,
                expires_in_days: int | None = None) -> tuple[str, ApiToken]:
    """Return the token (shown once) and its stored record; with `expires_in_days` it is refused from that
    many days after now."""
    name = single_line(name, "name")
    if len(name) > 100:
        raise ValidationFailed("A token name has at most 100 characters.", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationFailed("A token expires after 1 to %(max)s days.", field="expires_in_days",
                               max=MAX_EXPIRY_DAYS)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days is not None else None
    record = ApiToken(member_id=member.id, name=name or "API token", token_hash=_digest(token),
                      prefix=token[:10], created_at=now, expires_at=expires_at)
    session.add(record)
    session.flush()
    return token, record


def member_for_token(session: Session, token: str, now: datetime) -> Member | None:
    """The active member a valid, unrevoked, unexpired token belongs to, else None."""
    return authenticate_token(session, token, now).member


@dataclass(frozen=True)
class TokenCheck:
    member: Member | None
    touched: bool = False  # the token's last use was written (flushed): the caller commits it


@cache
def _token_statement() -> Select:
    # Built once (every API request runs it): its cache key costs more than running it.
    return (select(ApiToken, Member).join(Member, Member.id == ApiToken.member_id)
            .where(ApiToken.token_hash == bindparam("token_hash")))


def authenticate_token(session: Session, token: str, now: datetime) -> TokenCheck:
    """Like `member_for_token`, in one statement (token and member together), and saying whether it wrote:
    the last use is recorded at most once per LAST_USED_RESOLUTION, so reads within it write nothing."""
    if not token or len(token) > 200:
        return TokenCheck(None)
    row = session.execute(_token_statement(), {"token_hash": _digest(token)}).first()
    if row is None:
        return TokenCheck(None)
    record, member = row
    if record.revoked_at is not None or record.expired(now) or not member.active:
        return TokenCheck(None)
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        record.last_used_at = now
        session.flush()
        return TokenCheck(member, touched=True)
    return TokenCheck(member)


def list_tokens(session: Session, member: Member) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_all_tokens(session: Session, member: Member, now: datetime) -> int:
    """Revoke every token of the member still in force; returns how many."""
    result = session.execute(update(ApiToken).where(ApiToken.member_id == member.id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now).execution_options(synchronize_session="fetch"))
    session.flush()
    return result.rowcount or 0


def revoke_token(session: Session, member: Member, token_id: int, now: datetime) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None or record.member_id != member.id:
        raise NotFound("No such token.")
    if record.revoked_at is None:
        record.revoked_at = now
        session.flush()
    return record
