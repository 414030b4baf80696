"""The optimiser preview says who gets what: per request the member, the window, the asset and time, the
distance and how it differs from first come, first served; filtered on the page and exported as CSV."""
from __future__ import annotations

import csv
import io

from tests.app import test_optimiser_pages as pages
from tests.helpers import login

# the pages' fixtures: two cars free for one window, two requests that first come, first served cannot both serve
crunch, sync_runs, run_id = pages.crunch, pages.sync_runs, pages.run_id


def started(client) -> int:
    login(client, "coord@example.org")
    return run_id(client.post("/manage/optimiser", data={"horizon_days": "7", "time_limit": "5", "method": "cpsat"}))


def test_the_preview_lists_each_request_against_first_come_first_served(client, session, crunch, sync_runs):
    rid = started(client)
    html = client.get(f"/manage/optimiser/{rid}").get_data(as_text=True)
    assert "Who gets what" in html and "2 requests" in html
    # Fay came first and asked for any car: first come, first served gave her the seven seater, the run the
    # small car; Sam needs seven seats: only the run serves him
    fay = html[html.index("Fay"):html.index("Sam")]
    assert "Small car (Station)" in fay and "Seven seater" in fay and "Moved: another asset or time" in fay
    sam = html[html.index("Sam"):html.index("</tbody>", html.index("Sam"))]
    assert "Seven seater (Station)" in sam and "Served here, not by first come, first served" in sam
    assert f"/manage/optimiser/{rid}/preview.csv" in html


def test_the_preview_filters_by_change_and_refuses_a_bad_filter(client, session, crunch, sync_runs):
    rid = started(client)
    html = client.get(f"/manage/optimiser/{rid}?change=gained").get_data(as_text=True)
    assert "1 request" in html and "Sam" in html.split("<tbody>")[-1] and "Fay" not in html.split("<tbody>")[-1]
    bad = client.get(f"/manage/optimiser/{rid}?change=%3Cscript%3E&category=x")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Choose one of the listed changes." in text
    assert "Choose one of the listed categories." in text and "<script>" not in text
    other = client.get(f"/manage/optimiser/{rid}?category={crunch['cars'].id + 999}").get_data(as_text=True)
    assert "No request matches this filter." in other


def test_the_preview_as_csv(client, session, crunch, sync_runs):
    rid = started(client)
    r = client.get(f"/manage/optimiser/{rid}/preview.csv?change=moved")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][:2] == ["Request", "Member"] and len(rows) == 2
    assert rows[1][1] == "Fay" and rows[1][7] == "Small car" and rows[1][12] == "Seven seater"
    assert rows[1][14].startswith("Moved")


def test_members_cannot_see_the_preview(client, session, crunch, sync_runs):
    rid = started(client)
    login(client, "member@example.org")
    assert client.get(f"/manage/optimiser/{rid}/preview.csv").status_code == 403


def test_change_is_translated_as_a_noun_in_german(client, session, crunch, sync_runs):
    rid = started(client)
    client.set_cookie("lang", "de")
    html = client.get(f"/manage/optimiser/{rid}").get_data(as_text=True)
    assert "Änderung" in html and ">Ändern<" not in html
