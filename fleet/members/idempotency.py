"""Idempotency keys for POSTs that create things.

The key is claimed with INSERT ... ON CONFLICT DO NOTHING in the same transaction as the object it creates.
If two requests race with one key, the database makes the second wait for the first to commit or roll
back: after a commit it finds the stored response and replays it; after a rollback its own insert wins.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fleet.core.errors import ValidationFailed
from fleet.models import IdempotencyKey, Member

MAX_KEY_LENGTH = 200


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


@dataclass
class Claim:
    record: IdempotencyKey | None  # read only for a replay: a new claim is known by its id
    replay: bool  # True when an earlier request with this key already answered
    key_id: int = 0


def claim_key(session: Session, member: Member, key: str, request_fingerprint: str, now) -> Claim:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed("An Idempotency-Key is 1 to %(max)s printable characters.",
                               field="Idempotency-Key", max=MAX_KEY_LENGTH)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(IdempotencyKey.__table__)
            .values(member_id=member.id, key=key, fingerprint=request_fingerprint, created_at=now)
            .on_conflict_do_nothing(index_elements=["member_id", "key"])
            .returning(IdempotencyKey.__table__.c.id))
    # RETURNING yields a row only when this statement inserted (rowcount is not reliable across drivers)
    inserted_id = session.execute(stmt).scalar()
    if inserted_id is not None:
        return Claim(None, replay=False, key_id=inserted_id)
    record = session.scalar(select(IdempotencyKey).where(IdempotencyKey.member_id == member.id,
                                                         IdempotencyKey.key == key))
    if record.fingerprint != request_fingerprint:
        raise ValidationFailed("This Idempotency-Key was used for a different request.", field="Idempotency-Key")
    return Claim(record, replay=True, key_id=record.id)


def remember_response(session: Session, claim: Claim, status_code: int, body: str) -> None:
    if claim.record is not None:
        claim.record.status_code, claim.record.response_body = status_code, body
        session.flush()
        return
    session.execute(update(IdempotencyKey).where(IdempotencyKey.id == claim.key_id)
                    .values(status_code=status_code, response_body=body))
