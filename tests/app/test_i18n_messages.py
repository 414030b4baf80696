"""Messages from fleet (fleet/core/messages.py) reach people in their language, with their values filled in:
errors on pages, notifications stored in the database, emails. The JSON API answers in English."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fleet.core.messages import Term, When
from fleet.members.notifications import notify
from tests.helpers import at, login

pytestmark = pytest.mark.db

PARIS_SUMMER = datetime(2031, 7, 14, 8, 0, tzinfo=timezone.utc)  # 10:00 in Paris, a Monday


@pytest.fixture
def taken(make, session):
    """A bike at a Paris hub with a booking on it, and a French member who wants the same time."""
    hub = make.hub(name="Gare", timezone="Europe/Paris", opening_hours="24/7")
    asset = make.asset(hub=hub, name="Vélo cargo")
    make.booking(asset, make.member(), at(3, 8), at(3, 10))
    claire = make.member(email="claire@example.org", name="Claire", locale="fr")
    session.commit()
    return asset, claire


def test_a_domain_error_with_values_is_shown_in_french(client, taken):
    asset, _ = taken
    login(client, "claire@example.org")
    from fleet.core.localtime import to_local

    form = {"asset_id": asset.id, "start": to_local(at(3, 8), "Europe/Paris").strftime("%Y-%m-%dT%H:%M"),
            "end": to_local(at(3, 9), "Europe/Paris").strftime("%Y-%m-%dT%H:%M")}
    page = client.post("/bookings", data=form).get_data(as_text=True)
    assert "L’objet Vélo cargo est déjà réservé sur cette période." in page
    assert "already booked" not in page


def test_the_api_answers_in_english_whatever_the_language(client, taken, session):
    from fleet.core.db import utcnow
    from fleet.members.tokens import issue_token

    asset, claire = taken
    token, _ = issue_token(session, claire, "test", utcnow())
    session.commit()
    response = client.post("/api/v1/bookings", json={"asset_id": asset.id, "start": at(3, 8).isoformat(),
                                                     "end": at(3, 9).isoformat()},
                           headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"})
    assert response.status_code == 409
    assert response.get_json()["detail"] == "Vélo cargo is already booked during that time."


def test_a_stored_notification_is_translated_when_read(client, make, session):
    hans = make.member(email="hans@example.org", name="Hans", locale="de")
    notify(session, hans.id, "booking_moved",
           "To make room for another member, your booking moved to %(asset)s at %(hub)s, %(start)s to "
           "%(end)s, inside the window you asked for.", PARIS_SUMMER,
           asset="Lastenrad", hub="Bahnhof", start=When(PARIS_SUMMER, "Europe/Berlin"),
           end=When(PARIS_SUMMER + timedelta(hours=3), "Europe/Berlin"))
    session.commit()
    login(client, "hans@example.org")
    page = client.get("/bookings").get_data(as_text=True)
    assert "Um Platz für ein anderes Mitglied zu schaffen, wurde Ihre Buchung auf Lastenrad bei Bahnhof verlegt" in page
    assert "Mo. 14 Juli 2031 10:00" in page or "Mo. 14 Jul. 2031 10:00" in page  # Babel, German, in Berlin time


def test_terms_inside_messages_are_translated(app):
    from flask_babel import force_locale

    from app.i18n import translate_message

    with app.test_request_context(), force_locale("fr"):
        text = translate_message("This booking is %(status)s and cannot be cancelled.",
                                 {"status": Term("checked out")})
    assert "retir" in text and "checked out" not in text


def test_stored_values_from_json_are_formatted_like_live_ones(app):
    from flask_babel import force_locale

    from app.i18n import translate_message
    from fleet.core.messages import to_json

    params = {"asset": "Vélo", "start": When(PARIS_SUMMER, "Europe/Paris")}
    with app.test_request_context(), force_locale("fr"):
        live = translate_message("Good news: your request got %(asset)s from %(start)s.", params)
        stored = translate_message("Good news: your request got %(asset)s from %(start)s.", to_json(params))
    assert live == stored and "lun. 14 juil. 2031 10:00" in live


def test_a_translation_with_wrong_placeholders_falls_back_to_english(app, monkeypatch):
    """A broken catalogue entry must never turn a page into a 500."""
    import flask_babel

    from app.i18n import translate_message

    class Broken:
        def ugettext(self, text):
            return "%(nope)s"

    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: Broken())
    with app.test_request_context():
        assert translate_message("%(asset)s is retired.", {"asset": "Drill"}) == "Drill is retired."


def test_emails_carry_the_values_in_the_members_language(app, make, session):
    from app.mail import compose_email

    claire = make.member(name="Claire", locale="fr")
    note = notify(session, claire.id, "waitlist_promoted", "Good news: your request got %(asset)s from %(start)s.",
                  PARIS_SUMMER, asset="Vélo cargo", start=When(PARIS_SUMMER, "Europe/Paris"))
    session.flush()
    with app.test_request_context():
        subject, body = compose_email(claire, note)
    assert "Vélo cargo" in body and "lun. 14 juil. 2031 10:00" in body and "Good news" not in body
    english = make.member(name="Ann")
    assert compose_email(english, note)[1] == f"Good news: your request got Vélo cargo from {When(PARIS_SUMMER, 'Europe/Paris')}."
