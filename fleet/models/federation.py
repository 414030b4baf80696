"""Federation between installations: this installation's key pair, its partners (the agreements), the nonces
seen in partners' signed requests, the items fetched from partners, the bookings this installation's members
made at a partner (RemoteBooking, kept here) and the bookings partners made here (PartnerBooking, kept at the
lending side, one per idempotency key)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.core.db import Base, UTCDateTime, utcnow
from fleet.core.messages import msg
from fleet.models.members import Member
from fleet.models.transitions import Transitions, checked


class InstallationKey(Base):
    """This installation's Ed25519 key pair, made once. The private key never leaves this table."""

    __tablename__ = "installation_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64
    private_key: Mapped[str] = mapped_column(String(64))  # raw 32 bytes, base64
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PartnerStatus(str, enum.Enum):
    active = "active"
    revoked = "revoked"


PARTNER_TRANSITIONS: Transitions = {PartnerStatus.active: frozenset({PartnerStatus.revoked})}


class Partner(Base):
    """Another installation this one has an agreement with: its address, its public key, the local account
    that stands for its members when they book here, and the state of fetching its catalogue."""

    __tablename__ = "federation_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    base_url: Mapped[str] = mapped_column(String(300), unique=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[PartnerStatus] = mapped_column(Enum(PartnerStatus, native_enum=False, length=10),
                                                  default=PartnerStatus.active)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # fetching its Commons API documents
    etags: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[dict] = mapped_column(JSON, default=dict)  # the last body of each, for a 304
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()

    def revoke(self, now: datetime) -> None:
        self.status = checked(PARTNER_TRANSITIONS, self.status, PartnerStatus.revoked,
                              msg("This agreement is %(status)s already."))
        self.revoked_at = now


class SeenNonce(Base):
    """A nonce from a partner's signed request: each is accepted once (a replay is refused)."""

    __tablename__ = "federation_nonce"
    __table_args__ = (UniqueConstraint("partner_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("federation_partner.id"))
    nonce: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RemoteItem(Base):
    """An item a partner publishes, as last fetched: where it is and when it is free."""

    __tablename__ = "remote_item"
    __table_args__ = (UniqueConstraint("partner_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("federation_partner.id"), index=True)
    remote_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    location_name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    free: Mapped[list] = mapped_column(JSON, default=list)  # [[start, end], ...] RFC 3339, sorted
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class RemoteBookingStatus(str, enum.Enum):
    pending = "pending"        # recorded here, not yet answered by the partner
    waiting = "waiting"        # the partner holds it, waiting for its own approval
    confirmed = "confirmed"
    refused = "refused"
    failed = "failed"          # the partner could not be reached or answered nonsense; released there
    cancelled = "cancelled"


REMOTE_BOOKING_TRANSITIONS: Transitions = {
    RemoteBookingStatus.pending: frozenset({RemoteBookingStatus.waiting, RemoteBookingStatus.confirmed,
                                            RemoteBookingStatus.refused, RemoteBookingStatus.failed}),
    RemoteBookingStatus.waiting: frozenset({RemoteBookingStatus.cancelled}),
    RemoteBookingStatus.confirmed: frozenset({RemoteBookingStatus.cancelled}),
}


class RemoteBooking(Base):
    """A booking one of this installation's members asked a partner for. Recorded (pending, with its
    idempotency key) and committed before the partner is called, then moved to its outcome."""

    __tablename__ = "remote_booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("federation_partner.id"), index=True)
    remote_item_id: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[RemoteBookingStatus] = mapped_column(Enum(RemoteBookingStatus, native_enum=False, length=10),
                                                        default=RemoteBookingStatus.pending)
    partner_booking_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(String(500), default="")
    # a failed request is released at the partner (cancel by key) until the partner says so
    released: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()

    def _move_to(self, status: RemoteBookingStatus, now: datetime, message: str = "") -> None:
        self.status = checked(REMOTE_BOOKING_TRANSITIONS, self.status, status,
                              msg("This booking is %(status)s already."))
        self.updated_at = now
        self.message = message[:500]

    def answered(self, status: RemoteBookingStatus, partner_booking_id: str | None, now: datetime,
                 message: str = "") -> None:
        self._move_to(status, now, message)
        self.partner_booking_id = partner_booking_id

    def fail(self, now: datetime, message: str) -> None:
        self._move_to(RemoteBookingStatus.failed, now, message)

    def cancel(self, now: datetime) -> None:
        self._move_to(RemoteBookingStatus.cancelled, now)


class PartnerBooking(Base):
    """A partner's booking request as this installation answered it, one per (partner, idempotency key): the
    same key gets the same answer, so a retried request never books twice. A cancel that arrives before (or
    instead of) its booking leaves a row without a booking, so the late request is not booked either."""

    __tablename__ = "partner_booking"
    __table_args__ = (UniqueConstraint("partner_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("federation_partner.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
