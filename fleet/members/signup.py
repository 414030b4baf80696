"""Sign-up by confirmed email address, answering the same whether or not the address has an account.

`request_signup` checks the form and hashes the password in every case, then either stores a sign-up request
(a new address) or notes that the address is taken; the caller mails the address either way (a link to finish,
or "someone tried to sign up with your address") and shows the same page. The account is made by
`confirm_signup`, from the link, with the password chosen at sign-up typed again: only whoever holds the
mailbox and chose the password can finish, so nobody can plant an account on someone else's address.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.text import single_line
from fleet.members.accounts import hash_password, normalise_email
from fleet.members.passwords import check_password_strength
from fleet.members.account_approval import announce_new_account, initial_approval
from fleet.members.pools import default_pool, join_pool
from fleet.models import Member, Role, SignupRequest

LINK_LIFETIME = timedelta(hours=24)
MAX_TOKEN_LENGTH = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignupOutcome:
    """What to mail: `token` for a new address (the link that finishes the sign-up), or `existing`, the
    member who already has the address. The caller must answer the same in both cases."""

    email: str
    name: str
    token: str | None
    existing: Member | None


def request_signup(session: Session, email: str, name: str, password: str, now: datetime,
                   site_names: Iterable[str] = ()) -> SignupOutcome:
    email = normalise_email(email)
    name = single_line(name, "name")
    if not name or len(name) > 120:
        raise ValidationFailed("Enter your name (at most 120 characters).", field="name")
    check_password_strength(password, email=email, name=name, site_names=site_names)
    # Hashed in both cases, so a taken address is not answered faster than a new one.
    password_hash = hash_password(password)
    existing = session.scalar(select(Member).where(Member.email == email))
    if existing is not None:
        return SignupOutcome(email, name, None, existing)
    token = secrets.token_urlsafe(32)
    session.add(SignupRequest(email=email, name=name, password_hash=password_hash, token_hash=_digest(token),
                              created_at=now))
    session.flush()
    return SignupOutcome(email, name, token, None)


def pending_signup(session: Session, token: str, now: datetime) -> SignupRequest:
    """The unconfirmed, unexpired sign-up this link's token belongs to."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("This sign-up link is not valid, or it has expired. Sign up again.")
    record = session.scalar(select(SignupRequest).where(SignupRequest.token_hash == _digest(token)))
    if record is None or record.confirmed_at is not None or now - record.created_at >= LINK_LIFETIME:
        raise NotFound("This sign-up link is not valid, or it has expired. Sign up again.")
    return record


def confirm_signup(session: Session, token: str, password: str, now: datetime) -> Member:
    """Make the account of a pending sign-up, given the password chosen when signing up."""
    record = pending_signup(session, token, now)
    if not check_password_hash(record.password_hash, password or ""):
        raise ValidationFailed("That is not the password you chose when you signed up.", field="password")
    record.confirmed_at = now
    if session.scalar(select(Member.id).where(Member.email == record.email)) is not None:
        session.flush()
        raise Conflict("This address has an account already: log in.")
    member = Member(email=record.email, name=record.name, password_hash=record.password_hash, role=Role.member,
                    created_at=now, approved_at=initial_approval(session, Role.member, now))
    session.add(member)
    session.flush()
    join_pool(session, member, default_pool(session).id)  # sign-up is into the installation's default pool
    announce_new_account(session, member, now)
    return member
