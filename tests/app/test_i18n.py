"""Three languages: the member's choice, the switcher's cookie, Accept-Language, English; complete catalogues."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.helpers import login

TRANSLATIONS = Path(__file__).resolve().parents[2] / "app" / "translations"


def _catalogue(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_has_a_translation(language):
    catalogue = _catalogue(language)
    ids = [m for m in catalogue if m.id]
    assert len(ids) > 300
    untranslated = [m.id for m in ids
                    if not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy]
    assert not untranslated, f"{language}: translate these in messages.po: {untranslated[:10]}"
    for m in ids:  # the placeholders of the source survive translation
        source = m.id if isinstance(m.id, str) else m.id[0]
        target = m.string if isinstance(m.string, str) else m.string[0]
        assert set(re.findall(r"%\(\w+\)[sd]", source)) == set(re.findall(r"%\(\w+\)[sd]", target)), m.id


@pytest.mark.parametrize("language", ["fr", "de"])
def test_compiled_catalogues_are_current(language):
    """The committed .mo is the compiled .po (run `make translations` after editing a .po)."""
    from babel.messages.mofile import read_mo

    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalogue(language) if m.id}
    assert compiled == source


def test_extraction_finds_no_string_missing_from_the_catalogues():
    """Every string marked in the code and in the templates listed in babel.cfg is in the catalogues."""
    import configparser

    from babel.messages.extract import extract_from_dir

    root = TRANSLATIONS.parents[1]
    method_map, options_map = [], {}
    parser = configparser.RawConfigParser()
    parser.read(root / "babel.cfg")
    for section in parser.sections():
        method, pattern = section.split(":", 1)
        method_map.append((pattern.strip(), method.strip()))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None,
                # fleet's message templates (fleet/core/messages.py), as in the Makefile's MESSAGE_KEYWORDS
                "DomainError": None, "ValidationFailed": None, "NotFound": None, "Conflict": None,
                "Forbidden": None, "msg": None, "flag": None, "notify": (4,), "notify_coordinators": (3,)}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map=method_map, options_map=options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue("fr") if m.id}
    assert found - known == set(), "run `make translations` and translate the new strings"


@pytest.fixture
def booked(make, session):
    member = make.member(email="claire@example.org", name="Claire", locale="fr")
    hub = make.hub(name="Gare", timezone="Europe/Paris")
    asset = make.asset(hub=hub, name="Vélo cargo")
    # a fixed, known instant: 2031-07-14 08:00 UTC is 10:00 in Paris (summer time), a Monday
    start = datetime(2031, 7, 14, 8, 0, tzinfo=timezone.utc)
    make.booking(asset, member, start, start + timedelta(hours=2))
    session.commit()
    return member


def test_a_french_member_sees_french_navigation_and_dates(client, booked):
    login(client, "claire@example.org")
    page = client.get("/bookings").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Mes réservations" in page and "Se déconnecter" in page and "My bookings" not in page
    assert "lun. 14 juil. 2031 10:00" in page  # Babel, French, in the hub's zone (Paris, UTC+2 in July)


def test_accept_language_german_gives_german_login(client, session):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="de">' in page and "Anmelden" in page and "Passwort" in page


def test_unknown_locales_fall_back_to_english(client, session):
    page = client.get("/login", headers={"Accept-Language": "xx-YY, tlh;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    client.set_cookie("lang", "klingon")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_english_stays_the_default(client, session):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page and "Find &amp; book" in page


def test_the_switcher_sets_the_cookie_and_saves_the_members_choice(client, make, session):
    response = client.post("/language", data={"lang": "fr", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "lang=fr" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "Se connecter" in client.get("/login").get_data(as_text=True)
    member = make.member(email="hans@example.org")
    session.commit()
    login(client, "hans@example.org")
    client.post("/language", data={"lang": "de", "next": "https://evil.example/"})
    session.refresh(member)
    assert member.locale == "de"
    client.delete_cookie("lang")
    assert "Meine Buchungen" in client.get("/bookings").get_data(as_text=True)  # the account's choice


def test_the_switcher_changes_nothing_on_get(client, session):
    response = client.get("/language?lang=fr")
    assert response.status_code == 405 and "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_switcher_needs_a_csrf_token(database_url, session):
    from app import create_app
    from app.extensions import db

    protected = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    try:
        client = protected.test_client()
        refused = client.post("/language", data={"lang": "fr", "next": "/login"})
        assert refused.status_code == 400 and "lang=" not in refused.headers.get("Set-Cookie", "")
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        accepted = client.post("/language", data={"lang": "fr", "next": "/login", "csrf_token": token})
        assert accepted.status_code == 302 and "lang=fr" in accepted.headers["Set-Cookie"]
    finally:
        with protected.app_context():
            db.session.remove()
            db.engine.dispose()


def test_user_data_in_translated_strings_is_escaped(client, make, session):
    make.member(email="x@example.org", name="<script>alert(1)</script>", locale="fr")
    hub = make.hub(name="<b>Hub</b>")
    make.asset(hub=hub, name="<i>Drill</i>")
    session.commit()
    login(client, "x@example.org")
    page = client.get("/assets").get_data(as_text=True)
    assert "<b>Hub</b>" not in page and "<i>Drill</i>" not in page and "&lt;i&gt;Drill&lt;/i&gt;" in page
    assert "<script>alert(1)</script>" not in client.get("/account").get_data(as_text=True)


def test_emails_use_the_members_language(app, make, session):
    from app.mail import compose_email
    from fleet.models import Notification

    note = Notification(member_id=0, kind="booking_confirmed", message="Booking cancelled.", booking_id=None)
    french = make.member(name="Claire", locale="fr")
    english = make.member(name="Ann")
    subject, body = compose_email(french, note)
    assert subject == "Commonpool: réservation confirmée"
    assert body.startswith("Bonjour Claire,") and "Réservation annulée." in body
    assert compose_email(english, note) == ("Commonpool: booking confirmed", "Booking cancelled.")


def test_numbers_follow_the_locale(app):
    from flask_babel import force_locale

    from app.i18n import format_number

    with app.test_request_context():
        with force_locale("de"):
            assert format_number(1234.5, 1) == "1.234,5"
        with force_locale("fr"):
            assert format_number(1234.5, 1).replace("\u202f", " ").replace("\xa0", " ") == "1 234,5"
        with force_locale("en"):
            assert format_number(1234.5, 1) == "1,234.5"


@settings(max_examples=600, deadline=None)
@given(value=st.one_of(st.floats(min_value=0, max_value=1e16, allow_nan=False, allow_infinity=False),
                       st.integers(min_value=0, max_value=10 ** 30),
                       st.decimals(min_value=0, max_value=10 ** 12, allow_nan=False, allow_infinity=False, places=5)),
       digits=st.integers(min_value=0, max_value=4), code=st.sampled_from(["en", "fr", "de"]))
def test_numbers_are_formatted_as_babel_formats_them(value, digits, code):
    """format_number's direct path for numbers that are not negative gives exactly Babel's "#,##0.0…"."""
    from babel.core import Locale
    from babel.numbers import parse_pattern

    from app.i18n import _fixed_point

    number = value if isinstance(value, Decimal) else Decimal(str(value))
    assume(not number.is_signed())
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    try:
        expected = parse_pattern(pattern).apply(value, Locale.parse(code))
    except InvalidOperation:  # more digits than the decimal context holds: refused alike
        with pytest.raises(InvalidOperation):
            _fixed_point(number, digits, code)
        return
    assert _fixed_point(number, digits, code) == expected


def test_the_switcher_returns_to_the_page_it_was_on(client, session):
    back = client.post("/language", data={"lang": "de"}, headers={"Referer": "http://localhost/map?x=1"})
    assert back.headers["Location"].endswith("/map?x=1")
    elsewhere = client.post("/language", data={"lang": "de"}, headers={"Referer": "https://evil.example/x"})
    assert elsewhere.headers["Location"].endswith("/assets") or "evil" not in elsewhere.headers["Location"]


def test_every_enum_value_shown_on_pages_is_marked_for_translation():
    """`status_label` translates an enum's value as a word; each value must be in DOMAIN_WORDS so that
    extraction puts it in the catalogues (a new status would otherwise stay English everywhere)."""
    import enum
    import inspect

    import fleet.models as models
    from app.i18n import DOMAIN_WORDS

    missing = [f"{name}.{member.name}" for name, cls in vars(models).items()
               if inspect.isclass(cls) and issubclass(cls, enum.Enum) and cls.__module__.startswith("fleet.")
               for member in cls if str(member.value).replace("_", " ") not in DOMAIN_WORDS]
    assert not missing, f"add these to app.i18n.DOMAIN_WORDS: {missing}"
