"""Calls to partner installations from a request, shared by the API and the pages.

Booking a remote item commits twice, on purpose (an exception to the one request boundary of
app/transaction.py): the pending RemoteBooking with its idempotency key is committed BEFORE the partner is
called, and the outcome right after, whatever it is (a refusal or a failure is kept even though the answer to
the member is then an error), so that a crash in between leaves a pending record here and never a booking at
the partner that this installation does not know of (the tick releases failed ones: fleet.federation.remote_bookings)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.extensions import db
from fleet.core.db import utcnow
from fleet.federation import remote_bookings
from fleet.models import Member, RemoteBooking


def installation_name() -> str:
    cfg = current_app.config
    return cfg.get("FEDERATION_NAME") or cfg.get("SITE_NAME") or cfg.get("GBFS_SYSTEM_NAME", "Commonpool")


def timeout() -> float:
    return float(current_app.config.get("FEDERATION_HTTP_TIMEOUT", 10))


def book_remote_item(member: Member, remote_item_id: int, start: datetime, end: datetime) -> RemoteBooking:
    booking = remote_bookings.request_remote_booking(db.session, member, remote_item_id, start, end, utcnow())
    db.session.commit()
    signer = remote_bookings.installation_signer(db.session, utcnow())
    remote_bookings.send_remote_booking(db.session, booking, signer, utcnow(), timeout())
    db.session.commit()
    return booking


def cancel_remote_booking(member: Member, remote_booking_id: int) -> RemoteBooking:
    signer = remote_bookings.installation_signer(db.session, utcnow())
    return remote_bookings.cancel_remote_booking(db.session, member, remote_booking_id, signer, utcnow(), timeout())
