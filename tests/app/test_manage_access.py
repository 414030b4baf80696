"""Every coordinator page and action: members get 403, anonymous visitors go to the login page, GET never
changes state, and every form control has a label."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from fleet.models import MaintenanceWindow, Member, Role
from tests.helpers import at, login


@pytest.fixture
def objects(make, session):
    hub = make.hub()
    category = make.category()
    asset = make.asset(category, hub)
    window = MaintenanceWindow(asset_id=asset.id, start_at=at(3, 8), end_at=at(3, 12))
    session.add(window)
    other = make.member(email="other@example.org")
    session.commit()
    return dict(hub=hub.id, category=category.id, asset=asset.id, window=window.id, member=other.id)


def routes(o) -> list[tuple[str, str]]:
    return [
        ("GET", "/manage/"), ("GET", "/manage/hubs"), ("GET", "/manage/hubs/new"), ("POST", "/manage/hubs/new"),
        ("GET", f"/manage/hubs/{o['hub']}/edit"), ("POST", f"/manage/hubs/{o['hub']}/edit"),
        ("POST", f"/manage/hubs/{o['hub']}/retire"), ("POST", f"/manage/hubs/{o['hub']}/unretire"),
        ("GET", "/manage/categories"), ("GET", "/manage/categories/new"), ("POST", "/manage/categories/new"),
        ("GET", f"/manage/categories/{o['category']}/edit"), ("POST", f"/manage/categories/{o['category']}/edit"),
        ("POST", f"/manage/categories/{o['category']}/retire"),
        ("POST", f"/manage/categories/{o['category']}/unretire"),
        ("GET", "/manage/assets"), ("GET", f"/manage/assets/new?category={o['category']}"),
        ("POST", "/manage/assets/new"), ("GET", f"/manage/assets/{o['asset']}/edit"),
        ("POST", f"/manage/assets/{o['asset']}/edit"), ("POST", f"/manage/assets/{o['asset']}/retire"),
        ("GET", f"/manage/assets/{o['asset']}/maintenance"), ("POST", f"/manage/assets/{o['asset']}/maintenance"),
        ("POST", f"/manage/assets/{o['asset']}/maintenance/{o['window']}/delete"),
        ("GET", "/manage/members"), ("POST", f"/manage/members/{o['member']}/role"),
        ("GET", f"/manage/members/{o['member']}/deactivate"),
        ("POST", f"/manage/members/{o['member']}/deactivate"), ("POST", f"/manage/members/{o['member']}/reactivate"),
        ("GET", "/manage/members/new"),
    ]


def test_members_get_403_everywhere(client, make, session, objects):
    make.member(email="plain@example.org")
    session.commit()
    login(client, "plain@example.org")
    for method, url in routes(objects):
        r = client.open(url, method=method, data={"role": "admin", "name": "x"})
        assert r.status_code == 403, (method, url)
    assert session.get(MaintenanceWindow, objects["window"]) is not None


def test_anonymous_visitors_are_sent_to_login(client, session, objects):
    for method, url in routes(objects):
        r = client.open(url, method=method)
        assert r.status_code == 302 and "/login" in r.headers["Location"], (method, url)


def test_actions_are_post_only(client, make, session, objects):
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()
    login(client, "coord@example.org")
    for method, url in routes(objects):
        # a GET of deactivate/reactivate is the page that asks to confirm; it changes nothing
        if method == "POST" and not url.endswith(("/new", "/edit", "/maintenance", "/deactivate", "/reactivate")):
            assert client.get(url).status_code == 405, url
    member = session.get(Member, objects["member"])
    assert client.get(f"/manage/members/{member.id}/deactivate").status_code == 200
    session.refresh(member)
    assert member.active


class _Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self.controls, self.in_label = set(), [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            if not self.in_label:  # a control inside its <label> is labelled by it
                self.controls.append(a.get("id") or a.get("name"))

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label -= 1


def test_every_form_control_has_a_label(client, make, session, objects):
    make.member(Role.coordinator, email="coord@example.org")
    session.commit()
    login(client, "coord@example.org")
    for method, url in routes(objects):
        if method != "GET":
            continue
        r = client.get(url)
        assert r.status_code == 200, url
        parser = _Controls()
        parser.feed(r.get_data(as_text=True))
        unlabelled = [c for c in parser.controls if c not in parser.labels]
        assert not unlabelled, (url, unlabelled)
