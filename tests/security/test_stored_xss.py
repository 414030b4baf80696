"""Stored XSS and injection into other formats: payloads in every free-text field, then every GET page the
app has (taken from the URL map), the iCalendar feeds and the CSV exports are read back as a member and as a
coordinator. HTML must show the text escaped, iCalendar must keep it inside its property, CSV cells must not
start a formula."""
from __future__ import annotations

import csv
import io
import re

import pytest
from icalendar import Calendar

from tests.security.conftest import act_as, build_world

FIELDS = ("asset.name", "asset.description", "hub.name", "hub.address", "category.name", "category.description",
          "booking.note", "booking.attention", "member.name", "maintenance.reason", "request.note", "notification",
          "proposal.title", "proposal.body", "comment.body", "photo.alt_text", "adjustment.reason",
          "qualification.name", "qualification.how_to_get", "pool.name", "agreement.category")


def payload(field: str) -> str:
    tag = "XSS" + re.sub(r"[^a-z]", "", field)
    return f'<script>alert("{tag}")</script>"><img src=x onerror=alert(1)><a href="javascript:alert(1)">{tag}</a>'


RAW_MARKERS = ("<script>alert", "<img src=x", 'href="javascript:', "onerror=alert(1)>")
CSV_NAMES = {"stats.pool_csv": ("pool", "categories", "hubs", "weeks", "impact"),
             "stats.dashboard_csv": ("pool", "categories", "hubs", "weeks", "assets", "idle", "demand", "heatmap")}


def get_pages(app, world):
    """(endpoint, path) for every GET route, with ids and names filled in from the world."""
    values = {**world.ids, "secret": world.secret}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = CSV_NAMES.get(rule.endpoint, (None,))
        for name in names:
            path = rule.rule
            for arg in rule.arguments:
                value = name if arg == "name" else values.get(arg)
                assert value is not None, f"no value for <{arg}> in {rule.rule}"
                path = re.sub(rf"<(?:\w+:)?{arg}>", str(value), path)
            yield rule.endpoint, path


def _check_html(path: str, body: str) -> list[str]:
    return [f"{path}: unescaped {marker!r}" for marker in RAW_MARKERS if marker in body]


def test_payloads_are_escaped_everywhere(app, session, make):
    world = build_world(session, make, text={f: payload(f) for f in FIELDS})
    client = app.test_client()
    problems, shown = [], set()
    for role in ("owner", "coordinator"):
        act_as(client, world.members[role])
        for endpoint, path in get_pages(app, world):
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if path.startswith("/api/") else {}
            query = {"from": "2030-01-01T00:00:00Z", "until": "2030-01-02T00:00:00Z"} \
                if endpoint == "api.availability" else None
            response = client.get(path, headers=headers, query_string=query)
            assert response.status_code < 500, path
            ctype = response.mimetype
            if ctype.startswith("image/"):  # a damage photo: re-encoded bytes, no markup to escape
                continue
            body = response.get_data(as_text=True)
            for field in FIELDS:
                if "XSS" + re.sub(r"[^a-z]", "", field) in body:
                    shown.add(field)
            if ctype == "text/html":
                problems += _check_html(path, body)
            elif ctype in ("application/json", "application/problem+json"):
                # JSON is data, not markup; it must never be served as HTML
                assert response.headers["X-Content-Type-Options"] == "nosniff"
            elif ctype == "text/calendar":
                problems += _check_ics(path, body)
            elif ctype == "text/csv":
                problems += _check_csv(path, body)
    # the search with a text query and a date range shows names too
    response = client.get("/assets", query_string={"q": "XSS", "from": "2030-03-01T10:00", "until": "2030-03-01T12:00"})
    problems += _check_html("/assets?q", response.get_data(as_text=True))
    assert not problems, "\n".join(problems)
    # every field was actually rendered somewhere (else the test proves nothing about it)
    assert shown == set(FIELDS), f"never shown: {set(FIELDS) - shown}"


def _check_ics(path: str, body: str) -> list[str]:
    problems = []
    unfolded = re.sub(r"\r\n[ \t]", "", body)
    known = re.compile(r"^(BEGIN|END|PRODID|VERSION|CALSCALE|METHOD|NAME|X-WR-CALNAME|X-WR-CALDESC|REFRESH-INTERVAL|"
                       r"X-PUBLISHED-TTL|UID|DTSTAMP|DTSTART|DTEND|SUMMARY|DESCRIPTION|LOCATION|STATUS|SEQUENCE|"
                       r"URL|LAST-MODIFIED|CREATED|CATEGORIES|TRANSP|CLASS|COLOR|GEO|X-[A-Z-]+)[;:]")
    for line in unfolded.split("\r\n"):
        if line and not known.match(line):
            problems.append(f"{path}: unexpected iCalendar line {line[:80]!r}")
        if line.startswith("X-INJECTED"):
            problems.append(f"{path}: injected property {line[:80]!r}")
    Calendar.from_ical(body)  # parses
    return problems


def _check_csv(path: str, body: str) -> list[str]:
    problems = []
    for row in csv.reader(io.StringIO(body)):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)
                except ValueError:
                    problems.append(f"{path}: formula cell {cell[:60]!r}")
    return problems


def test_ical_text_cannot_break_out_of_its_property(app, session, make):
    evil = "Car\r\nX-INJECTED:1\r\nBEGIN:VALARM;a,b\\c"
    world = build_world(session, make, text={"asset.name": evil, "hub.address": evil, "booking.note": evil,
                                             "hub.name": "Hub;X-INJECTED:2", "maintenance.reason": evil})
    client = app.test_client()
    feeds = {"owner": f"/calendar/{world.secret}.ics",
             "coordinator": f"/manage/assets/{world.ids['asset_id']}/calendar.ics"}
    for role, path in feeds.items():
        act_as(client, world.members[role])
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        body = response.get_data(as_text=True)
        assert not _check_ics(path, body)
        events = Calendar.from_ical(body).walk("VEVENT")
        assert events
        texts = " ".join(str(e.get("SUMMARY", "")) + str(e.get("DESCRIPTION", "")) + str(e.get("LOCATION", ""))
                         for e in events)
        assert "X-INJECTED:1" in texts  # kept, as text inside a property
        assert "BEGIN:VALARM" not in "".join(line for line in body.split("\r\n") if line.startswith("BEGIN"))


@pytest.mark.parametrize("start", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(1,1)", "-2+3", "@cmd", "\t=1"])
def test_csv_exports_neutralise_formulas(app, session, make, start):
    world = build_world(session, make, text={"asset.name": start, "hub.name": start + " hub",
                                             "category.name": start + " cat"})
    client = app.test_client()
    act_as(client, world.members["coordinator"])
    seen = False
    for _endpoint, path in get_pages(app, world):
        if not path.endswith(".csv"):
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert not _check_csv(path, body)
        cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
        seen = seen or any(cell.startswith("'" + start) for cell in cells)
    assert seen, "the neutralised name should appear in some export"
