"""The lending side: a partner's signed requests to book or cancel one of this installation's assets.

A request is accepted when its signature verifies (fleet.federation.signatures: an ACTIVE partner's key,
made within the window, the body's digest matching) and its nonce was never seen from that partner (kept in
SeenNonce; a replay is refused). A booking goes through the one booking write path (`book_asset`) for the
partner's stand-in account, inside a savepoint, so a refusal leaves nothing behind. One answer per
(partner, idempotency key), kept in PartnerBooking: the same key gets the same answer and never a second
booking. A cancel whose booking never arrived leaves a row without a booking, so a late request with that key
is answered "cancelled" and books nothing."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleet.booking.bookings import book_asset, cancel_booking
from fleet.core.errors import DomainError, ValidationFailed
from fleet.federation.partners import active_partner_key
from fleet.federation.signatures import SignatureRefused, verify_request
from fleet.models import HOLDING_STATUSES, Booking, Partner, PartnerBooking, SeenNonce

__all__ = ["SignatureRefused", "accept_signed", "book_for_partner", "cancel_for_partner", "forget_old_nonces"]


def accept_signed(session: Session, method: str, target_uri: str, headers: Mapping[str, str], body: bytes,
                  now: datetime, window_seconds: int) -> Partner:
    """The partner that signed this request; SignatureRefused when it cannot be accepted or is a replay."""
    found: dict[str, Partner] = {}

    def lookup(key_id: str):
        pair = active_partner_key(session, key_id)
        if pair is None:
            return None
        found["partner"] = pair[0]
        return pair[1]

    verified = verify_request(method, target_uri, headers, body, lookup, now, window_seconds)
    partner = found["partner"]
    if session.scalar(select(SeenNonce.id).where(SeenNonce.partner_id == partner.id,
                                                 SeenNonce.nonce == verified.nonce)) is not None:
        raise SignatureRefused("This request was seen before (a replayed nonce).")
    try:
        with session.begin_nested():
            session.add(SeenNonce(partner_id=partner.id, nonce=verified.nonce[:100], created_at=now))
    except IntegrityError:  # the same request racing itself
        raise SignatureRefused("This request was seen before (a replayed nonce).") from None
    return partner


def forget_old_nonces(session: Session, now: datetime, window_seconds: int) -> int:
    """Nonces older than twice the window can go: a request that old is refused by its `created` anyway."""
    result = session.execute(delete(SeenNonce).where(SeenNonce.created_at < now - timedelta(seconds=2 * window_seconds)))
    return result.rowcount or 0


def _key(payload: Mapping) -> str:
    key = payload.get("idempotency_key")
    if not isinstance(key, str) or not 8 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        raise ValidationFailed("idempotency_key must be 8 to 64 printable characters.", field="idempotency_key")
    return key


def _instant(payload: Mapping, name: str) -> datetime:
    value = payload.get(name)
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise ValidationFailed("%(name)s must be a date and time with an offset.", field=name, name=name)
    return instant


def _answered(session: Session, partner: Partner, key: str) -> PartnerBooking | None:
    return session.scalar(select(PartnerBooking).where(PartnerBooking.partner_id == partner.id,
                                                       PartnerBooking.idempotency_key == key))


def book_for_partner(session: Session, partner: Partner, payload: Mapping, now: datetime) -> dict:
    """Book for the partner's member (see the module's docstring); the answer, also for a repeated key:
    {"status": "confirmed" | "pending" | "refused" | "cancelled", "booking_id"?, "reason"?}."""
    key = _key(payload)
    earlier = _answered(session, partner, key)
    if earlier is not None:
        return earlier.answer
    item_id = payload.get("item_id")
    if not isinstance(item_id, str) or not item_id.isdigit() or len(item_id) > 18:
        raise ValidationFailed("item_id must be one of this installation's item ids.", field="item_id")
    start, end = _instant(payload, "start"), _instant(payload, "end")
    note = payload.get("note") if isinstance(payload.get("note"), str) else ""
    booking = None
    try:
        with session.begin_nested():
            booking = book_asset(session, partner.member, int(item_id), start, end, now, note=note[:500])
        answer = {"status": booking.status.value, "booking_id": str(booking.id)}
    except DomainError as exc:
        booking = None
        answer = {"status": "refused", "reason": exc.message}
    session.add(PartnerBooking(partner_id=partner.id, idempotency_key=key, booking_id=booking.id if booking else None,
                               answer=answer, created_at=now))
    session.flush()
    return answer


def cancel_for_partner(session: Session, partner: Partner, payload: Mapping, now: datetime) -> dict:
    """Cancel what the key booked (or make sure it never books); {"status": "cancelled"} or a refusal."""
    key = _key(payload)
    answered = _answered(session, partner, key)
    if answered is None:
        session.add(PartnerBooking(partner_id=partner.id, idempotency_key=key, booking_id=None,
                                   answer={"status": "cancelled"}, created_at=now))
        session.flush()
        return {"status": "cancelled"}
    if answered.booking_id is not None:
        booking = session.get(Booking, answered.booking_id)
        if booking is not None and booking.status in HOLDING_STATUSES:
            try:
                with session.begin_nested():
                    cancel_booking(session, partner.member, booking.id, now)
            except DomainError as exc:
                return {"status": "refused", "reason": exc.message}
    answered.answer = {"status": "cancelled", **({"booking_id": str(answered.booking_id)}
                                                 if answered.booking_id is not None else {})}
    session.flush()
    return answered.answer
