"""Members and what belongs to each: failed logins (for throttling), API tokens, idempotency keys,
notifications and the choice of which reach them by email."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.messages import english, from_json


class Role(str, enum.Enum):
    member = "member"
    coordinator = "coordinator"
    admin = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def _approved_with_creation(context) -> datetime:
    """By default an account is approved as it is made (created_at), so that rows stay reproducible."""
    return context.get_current_parameters().get("created_at") or utcnow()


class Member(Base):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), default=Role.member)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Rotated on logout, password change and deactivation: a cookie carrying an old token is refused.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # The secret in the member's private iCalendar URL; None until they ask for one, replaced to revoke.
    calendar_secret: Mapped[str | None] = mapped_column(String(64), unique=True)
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    home_hub_id: Mapped[int | None] = mapped_column(ForeignKey("hub.id"))
    # The language the member chose for pages and emails ("en", "fr", "de"); None: the browser decides.
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a coordinator approved the account; None: waiting, when the pool approves new accounts (they may
    # browse but not book). Accounts made while the pool does not ask for approval are approved at once.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=_approved_with_creation)

    home_hub = relationship("Hub", foreign_keys=[home_hub_id])
    pool_memberships: Mapped[list["PoolMembership"]] = relationship(  # noqa: F821 (fleet.models.pools)
        back_populates="member", cascade="all, delete-orphan")

    @property
    def is_coordinator(self) -> bool:
        """May open the manage pages: the installation's administrator, or a coordinator of at least one pool
        (fleet.members.pools says which pools)."""
        return self.role == Role.admin or any(m.role == "coordinator" for m in self.pool_memberships)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def coordinates_pool(self, pool_id: int | None) -> bool:
        """A coordinator of pool `pool_id`, or the administrator (fleet.members.pools has the queries)."""
        return self.is_admin or any(m.pool_id == pool_id and m.role == "coordinator" for m in self.pool_memberships)

    def belongs_to_pool(self, pool_id: int | None) -> bool:
        """A member (any role) of pool `pool_id`, or the administrator."""
        return self.is_admin or any(m.pool_id == pool_id for m in self.pool_memberships)

    @property
    def home(self) -> tuple[float, float] | None:
        """Where distances are measured from: the stored coordinates, else the chosen hub's."""
        if self.home_lat is not None and self.home_lon is not None:
            return (self.home_lat, self.home_lon)
        if self.home_hub is not None:
            return (self.home_hub.lat, self.home_hub.lon)
        return None

    # The four attributes Flask-Login expects, written here so that fleet needs no flask import.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session carries id and the current session token: rotating the token logs every cookie out."""
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"


class LoginThrottle(Base):
    """Recent failed logins under one key: one account from one client address, or one client address.

    One row per key, kept in the database so every web process sees the same count. An attempt is counted
    here (the row locked, the count raised, committed) before its password is checked, so a burst of
    parallel guesses is counted one after another and cannot get more passwords checked than the limit."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(340), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No attempt under this key is checked before then (the delay grows with each failure past the limit).
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignupRequest(Base):
    """A sign-up waiting for its email address to be confirmed. Nothing is made for an address until the mail
    sent to it is followed, so sign-up answers the same for a new address and a taken one. Only the SHA-256 of
    the link's token is stored."""

    __tablename__ = "signup_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutgoingMail(Base):
    """An email to an address rather than a member's notification (sign-up mail), written in the transaction
    that decides it and sent after commit, like the notification outbox. The body is emptied once sent: it
    may hold a one-time link."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # pending -> sending -> sent | failed, as for notifications
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the member sees the token once, when it is made."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so a member can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None: valid until revoked. From this instant on the token is refused.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class IdempotencyKey(Base):
    """The first response to a POST carrying an Idempotency-Key, replayed for retries with the same key.

    The row is claimed in the same transaction as the object it creates, so two racing retries cannot both
    create: the second waits on the unique (member, key) and then finds the first's response."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("member_id", "key", name="uq_idempotency_key_member_id_key"),)


class Notification(Base):
    """A message to a member ("your booking moved to the blue car"). Written in the same transaction as the
    change it describes; shown in the app, and delivered by mail where that is configured."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The message's template and its values (fleet/core/messages.py), so each reader gets it in their language;
    # rows written before 0009 hold English text and no values.
    message: Mapped[str] = mapped_column(String(1000))
    message_params: Mapped[dict | None] = mapped_column(JSON)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("flexible_request.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The email outbox: a new row is "pending" until delivered after commit ("sent", "skipped" when the
    # member chose not to get this kind by email, "failed"). Rows from before the outbox are "skipped".
    email_status: Mapped[str] = mapped_column(String(10), default="pending", server_default="skipped", index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def params(self) -> dict:
        return from_json(self.message_params)

    @property
    def text(self) -> str:
        """The message in English."""
        return english(self.message, self.params)


class NotificationPreference(Base):
    """A member's choice for one kind of notification: by email or not (in the app it is always shown).
    No row means the default: email on."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("member_id", "kind", name="uq_notification_preference_member_id_kind"),)
