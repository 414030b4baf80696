"""What French and German members see on the pages, in the CSV exports and in their calendar feed.

The catalogues are filled after the code changes (`make translations`), so most tests here do not look for
French words. They prove instead that every word goes through gettext: a pseudo-translation (`pseudo`) wraps
each translated string in «…», and a page must then show nothing but wrapped text, numbers, dates and what the
members typed (names). Numbers, dates and units are checked in a real locale.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import flask_babel
import pytest
from babel.support import NullTranslations
from icalendar import Calendar

from fleet.core.db import utcnow
from fleet.reporting.impact import source_table
from fleet.models import (AssetStatus, BookingStatus, CategoryKind, CostKind, CostRecord, DamageStatus, LedgerEntry,
                          LedgerKind, MaintenanceWindow, MeterUnit, RequestStatus, Role, RunStatus)
from tests.helpers import at, login

ROOT = Path(__file__).resolve().parents[2]


# --- the pseudo-translation ------------------------------------------------------------------------------------

class Wrapping(NullTranslations):
    """Every message comes back as «message» (or «fr|message» with the locale, to see which language was asked)."""

    def __init__(self, tag: str = ""):
        super().__init__()
        self.tag = tag

    def _wrap(self, text: str) -> str:
        return f"«{self.tag}{text}»"

    def gettext(self, message):
        return self._wrap(message)

    def ngettext(self, singular, plural, n):
        return self._wrap(singular if n == 1 else plural)

    def pgettext(self, context, message):
        return self._wrap(message)

    def npgettext(self, context, singular, plural, n):
        return self._wrap(singular if n == 1 else plural)

    ugettext, ungettext, upgettext, unpgettext = gettext, ngettext, pgettext, npgettext


@pytest.fixture
def pseudo(monkeypatch):
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: Wrapping())


@pytest.fixture
def pseudo_tagged(monkeypatch):
    """Wraps as «<locale>|message», so a test sees in which language a text was asked for."""
    monkeypatch.setattr(flask_babel.Domain, "get_translations",
                        lambda self: Wrapping(f"{flask_babel.get_locale()}|"))


def unwrap(text: str) -> str:
    """The text without its translated parts (innermost first: a translated template may hold translated terms)."""
    while True:
        shorter = re.sub(r"«[^«»]*»", " ", text)
        if shorter == text:
            return text
        text = shorter


# --- reading pages -------------------------------------------------------------------------------------------

class Visible(HTMLParser):
    """The text nodes and the attributes people see or hear (title, aria-label, placeholder, alt)."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0
        self.json_blocks: dict[str, str] = {}
        self._json_id = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
            if tag == "script" and attrs.get("type") == "application/json":
                self._json_id = attrs.get("id")
        for name in self.SPOKEN:
            if attrs.get(name):
                self.texts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
            self._json_id = None

    def handle_data(self, data):
        if self._json_id:
            self.json_blocks[self._json_id] = data
        elif not self._skip and data.strip():
            self.texts.append(data.strip())


def visible(html: str) -> Visible:
    parser = Visible()
    parser.feed(html)
    return parser


# Words that are not the app's to translate: the product's name, format and method names, the language
# switcher's own names, currency and zone codes, a URL placeholder, the factor table's marks (codes the page's
# translated hint explains), and the English day and month names Babel writes for the pseudo-translation's base
# locale (English).
NOT_TRANSLATED = {
    "Commonpool", "CSV", "CP-SAT", "JSON", "English", "Français", "Deutsch", "EUR", "UTC", "Europe/Paris",
    "Europe/Amsterdam", "https", "est", "assume", "override",
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
    "Oct", "Nov", "Dec",
}


def untranslated(html: str, data: list[str]) -> list[str]:
    """Visible text with letters that neither went through gettext nor comes from the data. The page's text is
    unwrapped as a whole: a translated sentence may hold a link or <strong> (two text nodes)."""
    rest = unwrap("\n".join(visible(html).texts))
    for value in sorted(data, key=len, reverse=True):  # names the members and coordinators typed
        rest = rest.replace(value, " ")
    left = []
    for line in rest.split("\n"):
        line = re.sub(r"\S+@\S+", " ", line)  # email addresses
        words = [w for w in re.findall(r"[A-Za-zÀ-ÿ][\w/.:-]*", line) if w.strip(".:/-") not in NOT_TRANSLATED]
        if words:
            left.append(line.strip())
    return left


# --- a small pool --------------------------------------------------------------------------------------------

@pytest.fixture
def world(make, session):
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    coordinator = make.member(Role.coordinator, email="cora@example.org", name="Cora Coordinatrice")
    member = make.member(email="mia@example.org", name="Mia Membre", locale="fr")
    hub = make.hub(name="Gare Centrale", address="Rue du Quai 3", timezone="Europe/Paris", opening_hours="24/7")
    bikes = make.category(name="Vélos cargo", kind=CategoryKind.vehicle, approval_required=True)
    bike = make.asset(bikes, hub, name="Longtail Bleu", meter_unit=MeterUnit.km)
    make.asset(bikes, hub, name="Biporteur Rouge", status=AssetStatus.maintenance)
    make.booking(bike, member, at(2, 9), at(2, 12))
    make.booking(bike, member, at(3, 9), at(3, 12), BookingStatus.pending)
    make.booking(bike, member, now - timedelta(days=3, hours=5), now - timedelta(days=3), BookingStatus.completed)
    session.add_all([
        MaintenanceWindow(asset_id=bike.id, start_at=at(8, 8), end_at=at(8, 17)),
        CostRecord(asset_id=bike.id, kind=CostKind.repair, amount_minor=1250, currency="EUR",
                   incurred_on=date.today(), recorded_by_id=coordinator.id),
        LedgerEntry(pool_id=bike.category.pool_id, member_id=member.id, kind=LedgerKind.fee, amount_minor=500, currency="EUR",
                    entry_date=date.today(), recorded_by_id=coordinator.id),
    ])
    session.commit()
    data = ["Cora Coordinatrice", "Mia Membre", "Gare Centrale", "Rue du Quai 3", "Vélos cargo", "Longtail Bleu",
            "Biporteur Rouge", "seats", "towbar", "Europe/Paris"]
    return dict(coordinator=coordinator, member=member, hub=hub, bikes=bikes, bike=bike, now=now, data=data)


# --- the stats tables and their CSV ----------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


TABLES = ("pool", "categories", "hubs", "weeks", "assets", "idle", "demand", "heatmap")


def test_csv_and_table_headers_are_gettext_of_the_english_ones_in_french(app, client, world):
    """Under `lang=fr` each header is gettext(English header) in French, on the page and in the CSV; the CSV's
    numbers stay machine-readable (a dot for decimals, no grouping)."""
    login(client, "cora@example.org")
    english = {name: csv_rows(client.get(f"/stats/{name}.csv"))[0] for name in TABLES}
    client.set_cookie("lang", "fr")
    # the coordinator has no saved language: the cookie decides
    page = client.get("/stats").get_data(as_text=True)
    assert '<html lang="fr">' in page
    with app.test_request_context(), flask_babel.force_locale("fr"):
        expected = {name: [h if h.isdigit() else flask_babel.gettext(h) for h in header]
                    for name, header in english.items()}
    for name in TABLES:
        rows = csv_rows(client.get(f"/stats/{name}.csv"))
        assert rows[0] == expected[name], name
    headers = re.findall(r'<th scope="col">([^<]*)</th>', page)
    for name in ("categories", "idle", "demand"):
        assert all(h in headers for h in expected[name]), name

    pool = csv_rows(client.get("/stats/pool.csv"))[1]
    assert float(pool[2]) == 5.0 and "," not in pool[2] and "," not in pool[3]  # booked and bookable hours
    assert re.fullmatch(r"\d+\.\d %", pool[-1])  # the utilisation, as the CSV always wrote it
    weeks = csv_rows(client.get("/stats/weeks.csv"))[1:]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", w[0]) for w in weeks)  # ISO dates


def test_stats_page_formats_figures_in_the_locale(client, world):
    login(client, "cora@example.org")
    client.set_cookie("lang", "de")
    page = client.get("/stats").get_data(as_text=True)
    bookable = csv_rows(client.get("/stats/pool.csv"))[1][3]
    assert float(bookable) >= 1000
    # the page groups thousands the German way; the CSV does not group at all
    assert re.search(r"<td[^>]*>\d{1,3}\.\d{3}(,\d+)?</td>", page)
    assert re.search(r"<td[^>]*>\d+,\d\xa0%</td>", page)  # German percentages: 0,4 %
    assert "Mo." in page  # the heat map's days from the locale (CLDR), not English


def test_every_stats_header_label_and_legend_goes_through_gettext(client, world, pseudo):
    login(client, "cora@example.org")
    for name in TABLES:
        header = csv_rows(client.get(f"/stats/{name}.csv"))[0]
        assert all(h.startswith("«") or h.isdigit() for h in header), (name, header)
    share = csv_rows(client.get("/my/share.csv"))[0]
    assert all(h.startswith("«") for h in share), share
    impact = csv_rows(client.get("/pool/impact.csv"))
    assert all(h.startswith("«") for h in impact[0]) and impact[-1][0] == "«Whole pool»"

    for path in ("/stats", "/pool"):
        page = visible(client.get(path).get_data(as_text=True))
        charts = json.loads(page.json_blocks["chart-data"])
        for key, chart in charts.items():
            assert all(d["label"].startswith("«") for d in chart["datasets"]), (path, key)
            assert chart["unit"] == "%" or chart["unit"].startswith("«"), (path, key)
    dashboard = client.get("/stats").get_data(as_text=True)
    captions = re.findall(r"<caption>([^<]*)<a", dashboard)
    assert captions and all(c.strip().startswith("«") for c in captions), captions


# --- enum values, units and the remaining visible English -----------------------------------------------------

def test_enum_values_are_translated_words(app):
    """Every value of the enums the pages show is a word the catalogue has (DOMAIN_WORDS, "_" read as a space)."""
    from app.i18n import DOMAIN_WORDS

    from fleet.models import ApprovalMode, ExceptionKind

    for enum in (BookingStatus, AssetStatus, Role, RunStatus, CategoryKind, MeterUnit, CostKind, LedgerKind,
                 RequestStatus, DamageStatus, ApprovalMode, ExceptionKind):
        for member in enum:
            assert member.value.replace("_", " ") in DOMAIN_WORDS, member
    from fleet.reporting.utilisation import unmet_demand_sources

    for source in unmet_demand_sources():
        assert source.replace("_", " ") in DOMAIN_WORDS, source


def test_marked_copies_of_fleet_text_match_fleet(session):
    """app.i18n keeps extraction copies of text fleet shows outside its templates: they must stay equal."""
    import csv as csv_module

    from app.i18n import FACTOR_WORDS, FLEET_TEXTS
    from fleet.allocation import fair_share
    from fleet.reporting.costs import cost_summary, default_period

    paragraphs = [" ".join(p.split()) for p in (fair_share.__doc__ or "").strip().split("\n\n")]
    assert set(paragraphs) <= set(FLEET_TEXTS)
    definitions = cost_summary(session, default_period(utcnow())).as_dict()["definitions"]
    assert {n.replace("_", " ") for n in definitions} <= set(FLEET_TEXTS)
    assert set(definitions.values()) <= set(FLEET_TEXTS)
    with open(ROOT / "fleet" / "reporting" / "data" / "impact_factors.csv", newline="") as f:
        rows = list(csv_module.DictReader(f))
    assert {r["label"] for r in rows} | {r["use_unit"] for r in rows if r["use_unit"]} <= set(FACTOR_WORDS)


def test_options_and_cells_show_translated_words(client, world, pseudo):
    login(client, "cora@example.org")
    edit = client.get(f"/manage/assets/{world['bike'].id}/edit").get_data(as_text=True)
    for value in ("active", "maintenance", "retired", "km", "hours"):
        assert re.search(rf'<option value="{value}"[^>]*>«{value}»</option>', edit), value
    assert "Vélos cargo («vehicle»)" in edit
    members = client.get("/manage/members").get_data(as_text=True)
    assert re.search(r'<option value="coordinator"[^>]*>«coordinator»</option>', members)
    assert "«coordinator»" in members  # the coordinator's own role, shown as text
    categories = client.get("/manage/categories").get_data(as_text=True)
    assert "seats: «number»" in categories and "towbar: «yes/no»" in categories and "«vehicle»" in categories
    costs = client.get("/manage/costs").get_data(as_text=True)
    assert re.search(r'<option value="insurance"[^>]*>«insurance»</option>', costs) and "<td>«repair»</td>" in costs
    ledger = client.get("/manage/ledger").get_data(as_text=True)
    assert re.search(r'<option value="payment"[^>]*>«payment»</option>', ledger) and "<td>«fee»</td>" in ledger
    optimiser = client.get("/manage/optimiser").get_data(as_text=True)
    assert "«CP-SAT (best plan, proves a bound)»" in optimiser
    assert "«Greedy (fast; the first-come-first-served baseline)»" in optimiser


def test_units_go_through_the_catalogue_and_numbers_follow_the_locale(app, monkeypatch):
    from app.templating import duration, hours, km, seconds

    with app.test_request_context():
        with flask_babel.force_locale("en"):
            assert duration(1590) == "1 d 2 h 30 min" and duration(0) == "0 min"
            assert km(12.34) == "12.3 km" and km(1234) == "1,234 km" and hours(6) == "6.0 h"
        with flask_babel.force_locale("de"):
            assert km(12.34) == "12,3 km" and hours(1234.5) == "1.234,5 h" and seconds(2.5) == "2,5 s"
        monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: Wrapping())
        assert duration(1590) == "«1 d» «2 h» «30 min»"
        assert km(5) == "«5.0 km»" and hours(2) == "«2.0 h»" and seconds(1) == "«1.0 s»"


PAGES = ("/assets", "/assets?category={category}", "/assets/{asset}", "/bookings", "/manage/", "/stats", "/pool",
         "/my/share", "/manage/assets", "/manage/assets/{asset}/edit", "/manage/categories", "/manage/members",
         "/manage/costs", "/manage/ledger", "/manage/optimiser", "/manage/assets/{asset}/maintenance",
         "/manage/planning", "/requests", "/requests/new?category={category}", "/how-allocation-works",
         "/pool/costs", "/map", "/stats/factors", "/manage/members/new", "/manage/members/{member}/deactivate",
         "/bookings/{booking}/cancel", "/manage/categories/{category}/edit")


def test_main_pages_show_no_hard_coded_english(client, world, pseudo):
    """Under the pseudo-translation, every visible text node and spoken attribute is translated text, data the
    members typed, a number or a date. The list printed on failure is what still needs `_()`."""
    login(client, "cora@example.org")
    from sqlalchemy import select

    from app.extensions import db
    from fleet.models import Booking

    booking = db.session.scalar(select(Booking.id).where(Booking.member_id == world["member"].id).limit(1))
    ids = {"asset": world["bike"].id, "category": world["bikes"].id, "member": world["member"].id,
           "booking": booking}
    # the pool page's bibliography: citations are quoted as published
    citations = [text for pair in source_table().items() for text in pair]
    report = {}
    for path in PAGES:
        url = path.format(**ids)
        response = client.get(url)
        assert response.status_code == 200, url
        left = untranslated(response.get_data(as_text=True), world["data"] + citations)
        if left:
            report[url] = left
    assert not report, json.dumps(report, indent=1, ensure_ascii=False)


def test_the_map_popup_text_comes_translated_from_the_server(client, world, pseudo, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://tile.example/{z}/{x}/{y}.png")
    page = visible(client.get("/map").get_data(as_text=True))
    hubs = json.loads(page.json_blocks["map-data"])["hubs"]
    assert hubs and all(h["popup"].startswith("«") for h in hubs)
    script = (ROOT / "app" / "static" / "js" / "map.js").read_text()
    assert "free now" not in script and "hub.popup" in script


# --- the calendar feed ------------------------------------------------------------------------------------------

def test_the_members_feed_is_in_the_members_language(client, session, world, pseudo_tagged):
    from fleet.feeds.calendar_feed import rotate_calendar_secret

    secret = rotate_calendar_secret(session, world["member"])
    session.commit()
    client.set_cookie("lang", "de")  # the request's language does not matter: the member chose French
    calendar = Calendar.from_ical(client.get(f"/calendar/{secret}.ics").data)
    descriptions = [str(e["description"]) for e in calendar.walk("VEVENT")]
    assert descriptions
    for text in descriptions:
        lines = text.split("\n")
        assert all(line.startswith(("«fr|", "http")) for line in lines), lines
    assert any("«fr|pending»" in t or "«fr|waiting for a coordinator's approval»" in t for t in descriptions)
    assert str(calendar["x-wr-calname"]).startswith("«fr|")


def test_a_feed_without_a_saved_language_is_english(client, session, world):
    from fleet.feeds.calendar_feed import rotate_calendar_secret

    world["member"].locale = None
    secret = rotate_calendar_secret(session, world["member"])
    session.commit()
    client.set_cookie("lang", "fr")
    body = client.get(f"/calendar/{secret}.ics").data.decode()
    assert "Status: confirmed" in body.replace("\r\n ", "")


def test_the_asset_feed_is_in_the_coordinators_language(client, session, world, pseudo_tagged):
    world["coordinator"].locale = "de"
    session.commit()
    login(client, "cora@example.org")
    calendar = Calendar.from_ical(client.get(f"/manage/assets/{world['bike'].id}/calendar.ics").data)
    events = list(calendar.walk("VEVENT"))
    assert events
    maintenance = [e for e in events if str(e["uid"]).startswith("maintenance-")]
    assert maintenance and str(maintenance[0]["summary"]).startswith("«de|Maintenance: ")
    for event in events:
        assert str(event["description"]).startswith("«de|"), str(event["description"])
