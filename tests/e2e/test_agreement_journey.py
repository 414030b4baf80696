"""A village member books the farm co-op's trailer through a lending agreement, in real Chromium: the search shows
it with the co-op's name and "via agreement", the booking form books it, and both pages pass axe. The server holds
two pools (tests/agreement_world.py) with the agreement active, on its own SQLite database."""
from __future__ import annotations

import sys
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.test_journeys import assert_accessible
from tests.helpers import PASSWORD, Maker, at


def _share_the_session_axe_log() -> None:
    """The same log the session's axe summary is written from (see test_catalogue_journeys.py)."""
    for module in list(sys.modules.values()):
        log = getattr(module, "AXE_LOG", None)
        if module is not e2e and getattr(module, "__file__", None) == e2e.__file__ and log is not None:
            e2e.AXE_LOG = log
            return


@pytest.fixture(scope="module")
def two_pool_server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from tests.agreement_world import lend_trailers, two_pools

    path = tmp_path_factory.mktemp("e2e-agreements") / "e2e.sqlite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                                 "LOGIN_MAX_FAILURES_PER_ADDRESS": 1000})
    with app.app_context():
        upgrade()
        world = two_pools(Maker(db.session))
        lend_trailers(db.session, world)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_village_member_books_the_farms_trailer(browser, two_pool_server):
    _share_the_session_axe_log()
    visit = e2e.Visit(browser, two_pool_server, "desktop", "test_village_member_books_the_farms_trailer")
    page = visit.page
    try:
        visit.go("/login")
        page.fill("#email", "villager@village.example")
        page.fill("#password", PASSWORD)
        page.click("form.card button[type=submit]")
        assert "/login" not in page.url
        visit.go("/assets?near=none&q=trailer")
        row = page.locator("table.results tbody tr", has_text="Farm trailer")
        assert row.count() == 1
        assert "Farm co-op" in row.inner_text() and "via agreement" in row.inner_text()
        visit.shot("search-via-agreement")
        assert_accessible(visit, "search with a partner pool's asset")
        row.locator("td a").first.click()
        page.wait_for_selector("#start")
        start = at(3, 9).astimezone(ZoneInfo("Europe/Amsterdam"))
        page.fill("#start", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#end", (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
        with page.expect_navigation():
            page.click("form.booking-form button[type=submit]")
        assert "Booked." in page.content()
        visit.shot("booked-through-agreement")
        assert_accessible(visit, "booking through an agreement")
    finally:
        visit.close()
