"""Email delivery of notifications and of mail to an address (sign-up): SMTP when MAIL_SERVER is configured,
else the log.

Notifications are outbox rows written in the request's transaction; a rollback writes no row and so sends
nothing. A web worker never sends mail itself: with MAIL_DELIVERY "background" (default) a commit that wrote
any hands delivery to the RQ worker (with REDIS_URL); without Redis, or when it is down, the rows wait for
`flask bookings tick` (cron) or `flask bookings deliver-notifications`. "inline" sends right after commit, in
the same process (tests with a fake sender); "off" leaves everything to those commands.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_LISTENING = {"done": False}


class LogSender:
    """Used when no mail server is configured: the message goes to the log instead."""

    def __call__(self, to: str, subject: str, body: str) -> None:
        log.info("mail to %s: %s: %s", to, subject, body)


class SmtpSender:
    def __init__(self, config):
        self.host, self.port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
        self.username, self.password = config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD")
        self.use_tls, self.use_ssl = bool(config.get("MAIL_USE_TLS")), bool(config.get("MAIL_USE_SSL"))
        self.sender = config.get("MAIL_DEFAULT_SENDER") or "commonpool@localhost"

    def __call__(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=30) as smtp:
            if self.use_tls and not self.use_ssl:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def sender_for(app: Flask):
    """The app's sender: one set in app.extensions["mail_sender"] (tests put a fake there), SMTP, or the log."""
    if app.extensions.get("mail_sender") is not None:
        return app.extensions["mail_sender"]
    if app.config.get("MAIL_SERVER"):
        return SmtpSender(app.config)
    return LogSender()


def compose_email(member, note) -> tuple[str, str]:
    """The email in the member's saved language. English (the default) is the plain notification, as
    before; in French or German the subject is translated and the body gets a greeting and a footer. The
    message is a template with values (fleet/core/messages.py), translated like the pages."""
    from flask_babel import force_locale, gettext

    from app.i18n import DEFAULT_LOCALE, supported, translate_message
    from fleet.members.outbox import plain_email

    language = supported(member.locale) or DEFAULT_LOCALE
    if language == DEFAULT_LOCALE:
        return plain_email(member, note)
    with force_locale(language):
        subject = "Commonpool: " + gettext(note.kind.replace("_", " "))
        body = "\n\n".join([
            gettext("Hello %(name)s,", name=member.name),
            translate_message(note.message, note.params) or "",
            gettext("This message comes from Commonpool, your community pool. In your account settings you "
                    "choose which notifications are emailed to you."),
        ])
    return subject, body


def deliver_outbox(app: Flask | None = None, database_url: str | None = None) -> dict[str, int]:
    """Send what is pending, in its own session. In an RQ worker `app` is None and one is made."""
    from fleet.core.db import utcnow
    from fleet.members.outbox import deliver_pending, deliver_pending_mail

    if app is None:
        from app import create_app

        app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": database_url} if database_url else None)
    with app.app_context():
        from app.extensions import db

        with Session(db.engine) as session:
            try:
                send = sender_for(app)
                counts = deliver_pending(session, send, utcnow(), compose=compose_email)
                for outcome, n in deliver_pending_mail(session, send, utcnow()).items():
                    counts[outcome] = counts.get(outcome, 0) + n
                return counts
            except Exception:  # noqa: BLE001 - delivery is best effort; the rows stay pending or failed
                log.exception("delivering notifications failed")
                session.rollback()
                return {}


def _after_commit(session) -> None:
    if not session.info.pop("outbox_written", False) or not has_app_context():
        return
    app = current_app._get_current_object()
    mode = app.config.get("MAIL_DELIVERY", "background")
    if mode == "off":
        return
    if mode == "inline":
        deliver_outbox(app)
        return
    if not app.config.get("REDIS_URL"):
        return  # the rows are pending: `flask bookings tick` delivers them
    try:
        from rq import Queue

        from app.job_queue import QUEUE_NAME, redis_connection

        Queue(QUEUE_NAME, connection=redis_connection()).enqueue(
            deliver_outbox, None, app.config.get("JOB_DATABASE_URL"), job_timeout=600)
    except Exception:  # noqa: BLE001 - Redis down: the rows stay pending for the next tick
        log.exception("could not queue notification delivery; `flask bookings tick` will send it")


def init_mail(app: Flask) -> None:
    """Watch the app's session: a flush that adds notifications marks it; the commit then delivers."""
    from app.extensions import db
    from fleet.models import Notification, OutgoingMail

    app.config.setdefault("MAIL_DELIVERY", "off" if app.config.get("TESTING") else "background")
    if _LISTENING["done"]:
        return
    _LISTENING["done"] = True

    @event.listens_for(db.session, "after_flush")
    def _mark(session, _context):
        if any(isinstance(obj, (Notification, OutgoingMail)) for obj in session.new):
            session.info["outbox_written"] = True

    @event.listens_for(db.session, "after_rollback")
    def _forget(session):
        session.info.pop("outbox_written", None)

    event.listen(db.session, "after_commit", _after_commit)
