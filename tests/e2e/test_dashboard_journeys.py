"""Dashboards readable at 1280 x 800 and on a 390 x 844 phone, in real Chromium: at 1280 px every table of
/pool and /stats fits (the Utilisation column, "Estimates, assumptions and overrides" and the heat map's hours
16-23 are on screen); on a phone each figure keeps its label, the heat map scrolls visibly under its held first
column, and "Your share" has a total and a chart. Screenshots per step, axe on each page."""
from __future__ import annotations

from pathlib import Path

import pytest

SIZES = {"desktop-1280x800": {"width": 1280, "height": 800}, "phone-390x844": {"width": 390, "height": 844}}


def assert_accessible(visit, label: str) -> None:
    bad = visit.axe(label)
    assert not bad, f"{label}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in bad)


@pytest.fixture(params=list(SIZES))
def sized(request, browser, live_server, monkeypatch):
    """A Visit at this module's sizes, from the conftest pytest loaded (its axe log feeds the run's summary)."""
    conftest = request.config.pluginmanager.get_plugin(str(Path(__file__).with_name("conftest.py")))
    monkeypatch.setitem(conftest.VIEWPORTS, request.param, SIZES[request.param])
    v = conftest.Visit(browser, live_server[0], request.param, request.node.originalname)
    yield v
    v.close()


TABLES = """() => [...document.querySelectorAll('.stats-table')].map(box => ({
    caption: box.querySelector('caption').textContent.trim(), scroll: box.classList.contains('stats-scroll'),
    client: box.clientWidth, width: box.scrollWidth}))"""
HEADER_RIGHT = """(text) => { const th = [...document.querySelectorAll('.stats-table thead th')]
    .find(h => h.textContent.trim() === text); return th ? th.getBoundingClientRect().right : null; }"""
LABELS = """() => [...document.querySelectorAll('.stats-table:not(.stats-scroll) td[data-label]')].slice(0, 40)
    .map(td => [td.dataset.label, getComputedStyle(td, '::before').content])"""


def _charts_drawn(page) -> None:
    page.wait_for_function("() => [...document.querySelectorAll('canvas')].every(c => window.Chart && "
                           "Chart.getChart(c))")


def _check_tables(visit, width: int) -> list[dict]:
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page itself never scrolls sideways
    tables = page.evaluate(TABLES)
    assert tables
    if width >= 1280:
        for table in tables:
            assert table["width"] <= table["client"] + 1, table  # fits: nothing hidden behind a scroll
    else:
        labels = page.evaluate(LABELS)
        assert labels and all(content == f'"{label}"' for label, content in labels), labels[:3]
    return tables


def test_dashboards_read_at_1280_and_on_a_phone(sized):
    page, width = sized.page, SIZES[sized.viewport]["width"]
    sized.login("coordinator")

    sized.go("/pool")
    _charts_drawn(page)
    _check_tables(sized, width)
    if width >= 1280:
        for header in ("Utilisation", "Estimates, assumptions and overrides"):
            right = page.evaluate(HEADER_RIGHT, header)
            assert right is not None and right <= width, (header, right)
    sized.shot("pool")
    assert_accessible(sized, "pool page")

    sized.go("/stats")
    _charts_drawn(page)
    tables = _check_tables(sized, width)
    heat = next(t for t in tables if t["scroll"])
    heat_box = page.locator(".stats-scroll")
    if width >= 1280:
        assert page.evaluate(HEADER_RIGHT, "23") <= width  # hours 16-23 on screen
    else:
        assert heat["width"] > heat["client"]  # the heat map scrolls sideways on a phone ...
        assert page.evaluate("getComputedStyle(document.querySelector('.stats-scroll tbody th')).position") == "sticky"
        left_before = page.evaluate("document.querySelector('.stats-scroll tbody th').getBoundingClientRect().left")
        heat_box.evaluate("box => box.scrollLeft = box.scrollWidth")
        left_after = page.evaluate("document.querySelector('.stats-scroll tbody th').getBoundingClientRect().left")
        assert abs(left_after - left_before) < 1  # ... under its held first column (the day)
        assert page.evaluate(HEADER_RIGHT, "23") <= width + 1  # scrolled: hour 23 is on screen
    heat_box.scroll_into_view_if_needed()
    sized.shot("dashboard")
    assert_accessible(sized, "dashboard")


def test_your_share_has_a_total_and_a_chart(sized):
    page, width = sized.page, SIZES[sized.viewport]["width"]
    sized.login("member")
    sized.go("/my/share")
    _charts_drawn(page)
    assert page.locator("canvas[data-chart=share]").count() == 1
    assert page.locator("tr.total th").inner_text() == "Total"
    assert page.locator("#share-total").is_visible()
    _check_tables(sized, width)
    sized.shot("your-share")
    assert_accessible(sized, "your share")
