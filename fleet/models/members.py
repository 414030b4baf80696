"""Members of the pool and the record of failed logins used for throttling."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    member = "member"
    coordinator = "coordinator"
    admin = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


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

    home_hub = relationship("Hub", foreign_keys=[home_hub_id])

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.coordinator, Role.admin)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

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


class LoginAttempt(Base):
    """A failed login, kept in the database so every web process sees the same count."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
