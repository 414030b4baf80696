"""The borrowing side: a member books a partner's item.

Nothing is half-booked. `request_remote_booking` records a RemoteBooking as pending with a fresh idempotency
key; the caller COMMITS it, then `send_remote_booking` asks the partner (a signed POST, see
fleet.federation.signatures) and records the answer: confirmed, waiting (the partner's own approval), refused
(with the partner's reason) or failed. Failed when the partner cannot be reached or answers nonsense: the
member is told at once, and the booking is not retried. Because the request may have arrived even though its
answer was lost, a failed booking is then RELEASED at the partner: `release_failed` (run by the tick) sends a
signed cancel with the same idempotency key until the partner acknowledges it; the partner cancels what that
key booked, or records the key as cancelled so that a late copy of the request books nothing."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from fleet.federation.http_client import PartnerUnreachable, call
from fleet.federation.keys import installation_key, private_key_of
from fleet.federation.partners import BOOKINGS_PATH, CANCEL_PATH
from fleet.federation.remote_search import is_free
from fleet.federation.signatures import sign_request
from fleet.models import (
    Member, Partner, PartnerStatus, RemoteBooking, RemoteBookingStatus, RemoteItem,
)

ANSWERED = {"confirmed": RemoteBookingStatus.confirmed, "pending": RemoteBookingStatus.waiting,
            "refused": RemoteBookingStatus.refused}


class PartnerUnavailable(DomainError):
    """The partner could not be reached: nothing was booked there (503)."""

    status = 503


@dataclass(frozen=True)
class Signer:
    key_id: str
    private_key: Ed25519PrivateKey


def installation_signer(session: Session, now: datetime) -> Signer:
    key = installation_key(session, now)
    return Signer(key.key_id, private_key_of(key))


def signed_post(signer: Signer, url: str, payload: dict, timeout: float, created: int | None = None,
                nonce: str | None = None):
    """POST a JSON payload to a partner, signed; the Answer (PartnerUnreachable when there is none)."""
    body = json.dumps(payload, sort_keys=True).encode()
    headers = sign_request(signer.private_key, signer.key_id, "POST", url, body, "application/json",
                           created if created is not None else int(time.time()), nonce)
    headers["Accept"] = "application/json"
    return call("POST", url, timeout, headers, body)


def request_remote_booking(session: Session, member: Member, remote_item_id: int, start: datetime, end: datetime,
                           now: datetime) -> RemoteBooking:
    """Record the member's request for a partner's item, pending; the caller commits before sending it."""
    if not member.active:
        raise ValidationFailed("Your account is deactivated.")
    item = session.get(RemoteItem, remote_item_id)
    if item is None or item.partner.status != PartnerStatus.active:
        raise NotFound("No such item.")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed("Give times with an offset.", field="start")
    if end <= start:
        raise ValidationFailed("The end must be after the start.", field="end")
    if start < now:
        raise ValidationFailed("That time has passed: book from now on.", field="start")
    if not is_free(item, start, end):
        raise Conflict("%(asset)s is not free during that time, as far as %(partner)s last told.", field="start",
                       asset=item.name, partner=item.partner.name)
    booking = RemoteBooking(member_id=member.id, partner_id=item.partner_id, remote_item_id=item.remote_id,
                            item_name=item.name, start_at=start, end_at=end,
                            idempotency_key=secrets.token_urlsafe(24), status=RemoteBookingStatus.pending,
                            message="", released=False, created_at=now)
    session.add(booking)
    session.flush()
    return booking


def _payload(booking: RemoteBooking) -> dict:
    return {"idempotency_key": booking.idempotency_key, "item_id": booking.remote_item_id,
            "start": booking.start_at.isoformat(), "end": booking.end_at.isoformat(),
            "note": f"Booked by a member of a partner installation (reference {booking.id})."}


def send_remote_booking(session: Session, booking: RemoteBooking, signer: Signer, now: datetime,
                        timeout: float) -> RemoteBooking:
    """Ask the partner for a pending booking and record its answer (see the module's docstring)."""
    partner: Partner = booking.partner
    try:
        answer = signed_post(signer, partner.base_url + BOOKINGS_PATH, _payload(booking), timeout)
        if answer.status not in (200, 201):
            reason = answer.json().get("detail") or answer.json().get("title") or str(answer.status)
            booking.fail(now, f"{partner.name} refused the request: {reason}"[:500])
            booking.released = True  # the partner rolled it back whole: nothing to release
            session.flush()
            return booking
        body = answer.json()
        status = ANSWERED.get(body.get("status"))
        if status is None:
            raise PartnerUnreachable("The partner's answer has no known status.")
        booking_id = body.get("booking_id")
        booking.answered(status, str(booking_id)[:64] if booking_id is not None else None, now,
                         str(body.get("reason") or "")[:500])
        booking.released = status == RemoteBookingStatus.refused
    except PartnerUnreachable as exc:
        booking.fail(now, str(exc))
    session.flush()
    return booking


STALE_PENDING = timedelta(minutes=10)


def release_failed(session: Session, signer: Signer, now: datetime, timeout: float) -> int:
    """Cancel, at the partner, by key, every failed booking not yet released; how many were released. A booking
    still pending long after it was sent (the process stopped between its two commits) is failed first."""
    for stale in session.scalars(select(RemoteBooking).where(RemoteBooking.status == RemoteBookingStatus.pending,
                                                             RemoteBooking.created_at < now - STALE_PENDING)):
        stale.fail(now, "No answer from the partner was recorded; the request is withdrawn.")
    session.flush()
    released = 0
    for booking in session.scalars(select(RemoteBooking).where(RemoteBooking.status == RemoteBookingStatus.failed,
                                                               RemoteBooking.released.is_(False))):
        try:
            answer = signed_post(signer, booking.partner.base_url + CANCEL_PATH,
                                 {"idempotency_key": booking.idempotency_key}, timeout)
        except PartnerUnreachable:
            continue  # the next tick tries again
        if answer.status == 200 and answer.json().get("status") == "cancelled":
            booking.released, released = True, released + 1
    session.flush()
    return released


def get_remote_booking(session: Session, member: Member, remote_booking_id: int) -> RemoteBooking:
    booking = session.get(RemoteBooking, remote_booking_id)
    if booking is None or (booking.member_id != member.id and not member.is_admin):
        raise NotFound("No such booking.")
    return booking


def cancel_remote_booking(session: Session, member: Member, remote_booking_id: int, signer: Signer, now: datetime,
                          timeout: float) -> RemoteBooking:
    """Cancel at the partner first, then here: a partner that cannot be reached leaves it as it was (503)."""
    booking = get_remote_booking(session, member, remote_booking_id)
    if booking.status not in (RemoteBookingStatus.confirmed, RemoteBookingStatus.waiting):
        raise Conflict("This booking is %(status)s and cannot be cancelled.", status=booking.status.value)
    try:
        answer = signed_post(signer, booking.partner.base_url + CANCEL_PATH,
                             {"idempotency_key": booking.idempotency_key}, timeout)
        body = answer.json()
    except PartnerUnreachable:
        raise PartnerUnavailable("%(partner)s could not be reached; the booking stands. Try again later.",
                                 partner=booking.partner.name) from None
    if answer.status != 200 or body.get("status") != "cancelled":
        raise Conflict("%(partner)s refused the cancellation: %(reason)s", partner=booking.partner.name,
                       reason=str(body.get("reason") or body.get("detail") or answer.status))
    booking.cancel(now)
    session.flush()
    return booking


def member_remote_bookings(session: Session, member: Member) -> list[RemoteBooking]:
    return list(session.scalars(select(RemoteBooking).where(RemoteBooking.member_id == member.id)
                                .order_by(RemoteBooking.start_at.desc(), RemoteBooking.id.desc())))
