"""The email outbox: notifications (and mail to an address, such as sign-up mail) are written in the
transaction that decides them and delivered after commit. A rolled-back transaction leaves no row, so nothing of it is ever sent.

Delivery is a plain function over a session and a `send(to, subject, body)` callable; the app supplies
SMTP or a logger. Each row is claimed before sending (pending -> sending, committed) so two deliverers never
send the same row twice; a send that raises marks the row failed, never pending again.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleet.models import Member, Notification, NotificationPreference, OutgoingMail

log = logging.getLogger(__name__)
Send = Callable[[str, str, str], None]
# (member, notification) -> (subject, body): the delivery layer may wrap the message (language, greeting).
Compose = Callable[[Member, Notification], "tuple[str, str]"]
SUBJECT_PREFIX = "Commonpool: "


def subject_for(note: Notification) -> str:
    return SUBJECT_PREFIX + note.kind.replace("_", " ")


def plain_email(member: Member, note: Notification) -> tuple[str, str]:
    """The default email: the kind as subject, the message as body, in English."""
    return subject_for(note), note.text


def deliver_pending(session: Session, send: Send, now: datetime, limit: int = 200,
                    compose: Compose = plain_email) -> dict[str, int]:
    """Send pending notifications by email where the member wants them; commits per row (it is a job, the
    caller's transaction has already committed). Returns counts by outcome."""
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    ids = list(session.scalars(select(Notification.id).where(Notification.email_status == "pending")
                               .order_by(Notification.id).limit(limit)))
    session.commit()
    for note_id in ids:
        claimed = session.execute(update(Notification).where(Notification.id == note_id,
                                                              Notification.email_status == "pending")
                                  .values(email_status="sending")).rowcount
        session.commit()
        if not claimed:
            continue  # another deliverer has it
        note = session.get(Notification, note_id)
        member = session.get(Member, note.member_id)
        opted_out = session.scalar(select(NotificationPreference.email).where(
            NotificationPreference.member_id == note.member_id, NotificationPreference.kind == note.kind)) is False
        if member is None or not member.active or opted_out:
            outcome = "skipped"
        else:
            try:
                subject, body = compose(member, note)
                send(member.email, subject, body)
                outcome = "sent"
            except Exception:  # noqa: BLE001 - a mail server error must not lose the row or stop the others
                log.exception("sending notification %s failed", note_id)
                outcome = "failed"
        note.email_status, note.emailed_at = outcome, now if outcome == "sent" else None
        session.commit()
        counts[outcome] += 1
    return counts


def queue_mail(session: Session, to_address: str, subject: str, body: str, now: datetime) -> OutgoingMail:
    """An email to an address (not a member's notification), sent after the caller commits."""
    mail = OutgoingMail(to_address=to_address[:254], subject=subject[:200], body=body, created_at=now,
                        status="pending")
    session.add(mail)
    session.flush()
    return mail


def deliver_pending_mail(session: Session, send: Send, now: datetime, limit: int = 200) -> dict[str, int]:
    """Send queued address mail; claimed and committed per row like notifications (`deliver_pending`). A sent
    mail's body is emptied: it may hold a one-time link, which need not stay in the database."""
    counts = {"sent": 0, "failed": 0}
    ids = list(session.scalars(select(OutgoingMail.id).where(OutgoingMail.status == "pending")
                               .order_by(OutgoingMail.id).limit(limit)))
    session.commit()
    for mail_id in ids:
        claimed = session.execute(update(OutgoingMail).where(OutgoingMail.id == mail_id,
                                                              OutgoingMail.status == "pending")
                                  .values(status="sending")).rowcount
        session.commit()
        if not claimed:
            continue  # another deliverer has it
        mail = session.get(OutgoingMail, mail_id)
        try:
            send(mail.to_address, mail.subject, mail.body)
            mail.status, mail.sent_at, mail.body = "sent", now, ""
        except Exception:  # noqa: BLE001 - a mail server error must not lose the row or stop the others
            log.exception("sending mail %s failed", mail_id)
            mail.status = "failed"
        session.commit()
        counts[mail.status] += 1
    return counts
