"""Hostile input at the boundary: control characters (NUL above all, which PostgreSQL cannot store in text) in
form fields, JSON strings, query parameters and CSV cells, and JSON bodies nested deep enough to exhaust the
recursion of a parser or a validator. Each is refused with a form error or a problem document (400/422),
never a 500, never a 404, and nothing is stored. Runs on SQLite and, as a db test, on PostgreSQL."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import String, Text, func, select

from fleet.booking.bookings import book_asset
from fleet.core.db import utcnow
from fleet.models import Asset, Booking, FlexibleRequest, Hub, Member, metadata
from tests.helpers import PASSWORD, at
from tests.security.conftest import act_as, build_world
from tests.security.test_stored_xss import get_pages

NUL = "x\x00y"
# a booking slot inside the category's rules, as the booking form's local wall-clock inputs
START = at(3, 10).astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%dT%H:%M")
END = at(3, 12).astimezone(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%dT%H:%M")
REFUSED = "control character"


def _owner_booking_to_check_out(session, make, world):
    """A confirmed booking of the owner's that starts now, so the check-out form is on the handover page."""
    category = make.category(name="Bikes", approval_required=False, condition_checklist="")
    hub = session.get(Hub, world.ids["hub_id"])
    bike = make.asset(category, hub, name="Cargo bike")
    now = utcnow()
    booking = book_asset(session, world.members["owner"], bike.id, now + timedelta(minutes=5),
                         now + timedelta(hours=2), now - timedelta(minutes=1))
    session.commit()
    return bike, booking


def _stored_control_characters(session) -> list[str]:
    found = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text)):
                values = session.execute(select(column).where(column.is_not(None))).scalars()
                found += [f"{table.name}.{column.name}" for value in values if "\x00" in value]
    return found


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the fields a browser would send, with their values."""

    def __init__(self, page: str):
        super().__init__()
        self.forms: list[dict] = []
        self._form = self._textarea = self._select = None
        self._page = page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = None
            if (a.get("method") or "get").lower() == "post":
                self._form = {"action": a.get("action") or self._page, "fields": []}
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self._form["fields"].append((a["name"], a.get("value") or "", kind))
        elif tag == "button" and a.get("name") and a.get("value"):
            if not any(name == a["name"] for name, _, _ in self._form["fields"]):
                self._form["fields"].append((a["name"], a["value"], "button"))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None and (self._select[1] is None or "selected" in a):
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form["fields"].append((self._textarea[0], self._textarea[1], "textarea"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self._form["fields"].append((self._select[0], self._select[1] or "", "select"))
            self._select = None
        elif tag == "form":
            self._form = None


TYPED = ("text", "textarea", "email", "search", "url", "password")
# Fields that count only with another choice made: the address is looked up only when it is the home chosen.
CONTEXT = {("/account", "address"): {"home_mode": "address"}}
SKIP_ACTIONS = ("/logout",)


def test_nul_in_any_form_field_is_refused(app, session, make):
    """Every POST form on every page, as a member and as a coordinator, with NUL in each field people type in
    turn: a refusal (a form error, or an error message after a redirect for one-button forms), never a 404 or a
    500, and nothing with a NUL is stored."""
    world = build_world(session, make)
    _owner_booking_to_check_out(session, make, world)
    extra = [f"/requests/new?category={world.ids['category_id']}"]
    tried, problems = 0, []
    for role in ("owner", "coordinator"):
        client = app.test_client()
        act_as(client, world.members[role])
        forms = {}
        pages = [path for _, path in get_pages(app, world)] + extra
        for path in pages:
            if path.startswith("/api/") or re.search(r"\.(ics|csv|json)$|/photo$", path):
                continue
            response = client.get(path)
            if response.mimetype != "text/html":
                continue
            parser = _Forms(path)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                key = (form["action"], tuple(v for n, v, t in form["fields"] if n == "action"))
                if not form["action"].startswith(SKIP_ACTIONS):
                    forms.setdefault(key, form)
        for (action, _), form in sorted(forms.items()):
            for name in [n for n, _, kind in form["fields"] if kind in TYPED]:
                data = {n: v for n, v, _ in form["fields"]}
                data.update(CONTEXT.get((action, name), {}))
                data[name] = "mia\x00@example.org" if "email" in name or name == "member" else NUL
                act_as(client, world.members[role])
                response = client.post(action, data=data)
                tried += 1
                flashed = ""
                if response.status_code == 302:
                    with client.session_transaction() as sess:
                        flashed = " ".join(m for cat, m in sess.pop("_flashes", []) if cat == "error")
                if response.status_code in (404, 500) or (response.status_code < 400 and not flashed):
                    problems.append(f"{role} {action} {name}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert tried > 60  # the pages really had their forms
    session.expire_all()
    assert _stored_control_characters(session) == []


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</', html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def test_form_errors_name_the_field_and_keep_the_other_values(app, client, session, make):
    world = build_world(session, make)
    owner, coordinator = world.members["owner"], world.members["coordinator"]
    act_as(client, owner)
    bookings = session.scalar(select(func.count(Booking.id)))
    r = client.post("/bookings", data={"asset_id": world.ids["asset_id"], "start": START, "end": END, "note": "bring a\x00rope"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and REFUSED in _error_beside(html, "note") and "U+0000" in html
    assert f'value="{START}"' in html
    act_as(client, coordinator)
    r = client.post("/manage/hubs/new", data={"name": "North\x00", "address": "Quay 2", "timezone": "UTC",
                                              "opening_hours": "24/7"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and REFUSED in _error_beside(html, "name") and "Quay 2" in html
    # a single-line field takes no line break; a multi-line one does, and keeps it
    r = client.post("/manage/hubs/new", data={"name": "North\nSouth", "timezone": "UTC", "opening_hours": "24/7"})
    assert r.status_code == 422 and "single line" in _error_beside(r.get_data(as_text=True), "name")
    act_as(client, owner)
    r = client.post("/bookings", data={"asset_id": world.ids["asset_id"], "start": START, "end": END, "note": "first line\r\n\tsecond line"})
    assert r.status_code == 302
    assert session.scalar(select(func.count(Booking.id))) == bookings + 1
    assert session.scalar(select(Booking.note).order_by(Booking.id.desc()).limit(1)) == \
        "first line\r\n\tsecond line"
    # other control characters than NUL, and the sign-up and login forms
    client = app.test_client()
    r = client.post("/signup", data={"name": "Eve\x1b[31m", "email": "eve@example.org", "password": PASSWORD,
                                     "password_again": PASSWORD})
    assert r.status_code == 400 and REFUSED in _error_beside(r.get_data(as_text=True), "name")
    r = client.post("/signup", data={"name": "Eve", "email": "eve\x00@example.org", "password": PASSWORD,
                                     "password_again": PASSWORD})
    assert r.status_code == 400 and REFUSED in _error_beside(r.get_data(as_text=True), "email")
    r = client.post("/login", data={"email": "owner\x00@example.org", "password": PASSWORD})
    assert r.status_code == 400 and REFUSED in _error_beside(r.get_data(as_text=True), "email")
    assert session.scalar(select(func.count(Member.id)).where(Member.name.like("Eve%"))) == 0


def test_csv_import_refuses_a_control_character_in_a_cell(app, client, session, make):
    world = build_world(session, make)
    act_as(client, world.members["coordinator"])
    before = session.scalar(select(func.count(Asset.id)))
    text = "name,category,hub,description\nGood van,Cars,Station,fine\nBlue\x00van,Cars,Station,ok\n"
    for data in ({"action": "apply", "csv": text},
                 {"action": "apply", "file": (io.BytesIO(text.encode()), "assets.csv")}):
        r = client.post("/manage/assets/import", data=data, content_type="multipart/form-data")
        html = r.get_data(as_text=True)
        assert r.status_code == 422 and "Line 3 of the file contains a control character (U+0000)" in html
        assert REFUSED in _error_beside(html, "file")
    # a line break inside a quoted description is text, not a control character
    good = 'name,category,hub,description\nGood van,Cars,Station,"two\r\nlines"\n'
    assert client.post("/manage/assets/import", data={"action": "apply", "csv": good}).status_code == 302
    assert session.scalar(select(func.count(Asset.id))) == before + 1
    assert _stored_control_characters(session) == []


def test_query_parameters_with_control_characters_are_refused(app, client, session, make):
    world = build_world(session, make)
    act_as(client, world.members["coordinator"])
    for path, params in (("/assets", {"q": NUL}), ("/manage/members", {"q": NUL}), ("/assets", {"hub\x00": "1"})):
        r = client.get(path, query_string=params)
        assert r.status_code == 422 and REFUSED in r.get_data(as_text=True), path
        assert "\x00" not in r.get_data(as_text=True)
    token = {"Authorization": f"Bearer {world.tokens['coordinator']}"}
    r = client.get("/api/v1/assets", query_string={"q": NUL}, headers=token)
    assert r.status_code == 422 and r.mimetype == "application/problem+json" and r.get_json()["field"] == "q"
    r = client.get("/api/v1/assets/-1/availability", query_string={"q": NUL}, headers=token)  # no route matches
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


# --- the JSON API -------------------------------------------------------------------------------------------------

def _token(world, role="coordinator") -> dict:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def test_api_refuses_control_characters_in_strings_and_keys(app, client, session, make):
    world = build_world(session, make)
    before = session.scalar(select(func.count(Booking.id)))
    cases = [
        ("/api/v1/tokens", {"email": "owner\x00@example.org", "password": PASSWORD}, {}, "email"),
        ("/api/v1/bookings", {"asset_id": world.ids["asset_id"], "start": at(3, 10).isoformat(),
                              "end": at(3, 12).isoformat(), "note": NUL}, _token(world, "owner"), "note"),
        ("/api/v1/hubs", {"name": "North\x00", "lat": 52.1, "lon": 5.1, "timezone": "UTC"}, _token(world), "name"),
        ("/api/v1/requests", {"category_id": world.ids["category_id"], "earliest_start": at(4, 8).isoformat(),
                              "latest_end": at(4, 18).isoformat(), "duration_minutes": 60, "note": "a\x07b"},
         _token(world, "owner"), "note"),
        (f"/api/v1/assets/{world.ids['asset_id']}/damage", {"description": "dent\x00"}, _token(world, "owner"),
         "description"),
        ("/api/v1/bookings", {"asset_id": world.ids["asset_id"], "start": at(3, 10).isoformat(),
                              "end": at(3, 12).isoformat(), "no\x00te": "x"}, _token(world, "owner"), None),
    ]
    for path, body, headers, field in cases:
        r = client.post(path, json=body, headers=headers)
        problem = r.get_json()
        assert r.status_code == 422 and r.mimetype == "application/problem+json", (path, r.status_code, problem)
        assert REFUSED in problem["detail"] and "\x00" not in r.get_data(as_text=True), path
        if field:
            assert problem["field"] == field, path
    # a hub name with a line break passes the boundary (JSON strings may be multi-line) but not the service
    r = client.post("/api/v1/hubs", json={"name": "North\nSouth", "lat": 52.1, "lon": 5.1, "timezone": "UTC"}, headers=_token(world))
    assert r.status_code == 422 and r.get_json()["field"] == "name" and "single line" in r.get_json()["detail"]
    session.expire_all()
    assert session.scalar(select(func.count(Booking.id))) == before
    assert session.scalar(select(func.count(FlexibleRequest.id))) == 1  # the world's own
    assert _stored_control_characters(session) == []


def _json_operations(app, world):
    values = {**world.ids, "secret": world.secret}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH"}):
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:\w+:)?{arg}>", str(values[arg]), path)
            yield method, path


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_a_bad_request_everywhere(app, client, session, make, depth):
    """A 2 KB body of nested brackets overflowed the schema validator's recursion (500) on every endpoint
    that reads JSON, some without a login (the token endpoint)."""
    world = build_world(session, make)
    body = "[" * depth + "]" * depth
    nested_object = '{"note": ' * depth + "1" + "}" * depth
    seen = 0
    for method, path in _json_operations(app, world):
        for payload in (body, nested_object):
            for headers in ({}, _token(world)):
                r = client.open(path, method=method, data=payload, content_type="application/json",
                                headers=headers)
                assert r.status_code < 500, (method, path, r.status_code)
                if r.status_code == 400:
                    assert "more than 32 levels deep" in r.get_json()["detail"]
                    seen += 1
    assert seen > 20
    r = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["title"] == "Bad request"


def test_json_nested_within_the_limit_still_reaches_the_schema(client, session, make):
    world = build_world(session, make)
    body = '{"note": ' + "[" * 30 + "]" * 30 + "}"
    r = client.post("/api/v1/bookings", data=body, content_type="application/json", headers=_token(world, "owner"))
    assert r.status_code == 422 and r.get_json()["detail"].startswith("Missing field")
