"""What members and coordinators do, in a real browser, at phone and desktop size."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

AMS = ZoneInfo("Europe/Amsterdam")


def next_weekday(days_ahead: int = 2) -> datetime:
    day = datetime.now(AMS) + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def next_saturday() -> datetime:
    day = datetime.now(AMS) + timedelta(days=2)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day


def local(day: datetime, hour: int) -> str:
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def assert_accessible(visit, label: str) -> None:
    bad = visit.axe(label)
    assert not bad, f"{label}: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in bad)


def _signup_link(live_server, email: str) -> str:
    """The link in the sign-up mail (the test server keeps mail in its outbox)."""
    from sqlalchemy import select

    from app.extensions import db
    from fleet.models import OutgoingMail

    _base, app = live_server
    with app.app_context():
        body = db.session.scalar(select(OutgoingMail.body).where(OutgoingMail.to_address == email))
        db.session.remove()
    return re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", body).group(1)


def test_member_signs_up_searches_books_and_cancels(visit, live_server):
    page = visit.page
    visit.go("/signup")
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.org"
    page.fill("#name", "Eve Tester")
    page.fill("#email", email)
    page.fill("#password", "a good long password")
    page.fill("#password_again", "a good long password")
    visit.shot("signup")
    assert_accessible(visit, "signup")
    page.click("form.card button[type=submit]")
    assert page.url.endswith("/signup/sent") and "Check your email" in page.content()
    visit.shot("signup-sent")
    assert_accessible(visit, "signup sent")
    visit.go(_signup_link(live_server, email))
    page.fill("#password", "a good long password")
    visit.shot("signup-confirm")
    assert_accessible(visit, "signup confirm")
    page.click("form.card button[type=submit]")
    assert page.url.endswith("/account")
    page.check("input[name=home_mode][value=hub]")
    page.select_option("#home_hub_id", label="Neude Library Hub")
    page.click("section.card form button[type=submit] >> nth=0")
    assert "Home location saved" in page.content()
    visit.shot("home-set")

    day = next_weekday()
    visit.go("/assets")
    page.fill("#from", local(day, 10))
    page.fill("#until", local(day, 13))
    page.select_option("#category", label="Power tools")
    page.click("form.search button[type=submit]")
    assert "free for that whole time" in page.content()
    visit.shot("search-results")
    assert_accessible(visit, "search")
    first = page.locator("table.results tbody tr td a").first
    name = first.inner_text()
    first.click()
    page.fill("#start", local(day, 10))
    page.fill("#end", local(day, 13))
    visit.shot("asset-page")
    assert_accessible(visit, "asset")
    page.click("form[action$='/bookings'] button[type=submit]")
    assert "Booked." in page.content() and name in page.content()
    visit.shot("booked")
    page.click("text=Cancel this booking")
    assert "The slot becomes free for others at once" in page.content()  # a page asks first, without JavaScript
    visit.shot("cancel-confirm")
    page.click("text=Yes, cancel this booking")
    assert "Booking cancelled." in page.content() and "cancelled" in page.content()
    visit.shot("cancelled")


def test_booking_errors_are_shown_next_to_the_field(visit):
    page = visit.page
    visit.login("member")
    visit.go("/assets")
    page.locator("table.results tbody tr td a").first.click()
    day = next_weekday()
    page.fill("#start", local(day, 13))
    page.fill("#end", local(day, 10))
    page.click("form[action$='/bookings'] button[type=submit]")
    assert page.locator("#end-error").inner_text().startswith("The end must be after the start")
    assert page.get_attribute("#end", "aria-invalid") == "true"
    visit.shot("booking-error")
    assert_accessible(visit, "booking error")


def test_flexible_request_gets_a_car(visit):
    page = visit.page
    visit.login("member")
    visit.go("/requests/new")
    page.select_option("#category", label="Cars")
    page.click("main form.card button[type=submit] >> nth=0")  # the category form comes first
    day = next_saturday()
    page.fill("#cap_seats", "4")
    page.fill("#earliest_start", local(day, 8))
    page.fill("#latest_end", local(day, 18))
    page.fill("#duration_h", "3")
    visit.shot("request-form")
    assert_accessible(visit, "request form")
    page.click("text=Ask the pool")
    # the answer is the request's own page: a booking, or the waitlist with its reason
    page.wait_for_url(re.compile(r".*/requests/\d+$"))
    assert page.locator("text=The pool found you an asset").count() or page.locator("text=On the waitlist").count()
    visit.shot("request-answer")
    assert_accessible(visit, "request answer")


def test_coordinator_adds_an_asset_and_a_maintenance_window_that_hits_a_booking(visit, browser, live_server):
    from tests.e2e.conftest import Visit

    page = visit.page
    visit.login("coordinator")
    visit.go("/manage/assets/new")
    page.select_option("#category", label="Power tools (tool)")
    page.click("main >> text=Continue")
    asset_name = f"E2E drill {uuid.uuid4().hex[:6]}"
    page.fill("#name", asset_name)
    page.select_option("#hub_id", label="Neude Library Hub")
    visit.shot("new-asset")
    assert_accessible(visit, "asset form")
    page.click("text=Create asset")
    assert asset_name in page.content()
    visit.shot("asset-created")

    # a member books the new drill
    member = Visit(browser, visit.base, visit.viewport, visit.test_name + "-member")
    try:
        member.login("member")
        member.go("/assets?q=" + asset_name.replace(" ", "+"))
        member.page.click(f"text={asset_name}")
        day = next_weekday(3)
        member.page.fill("#start", local(day, 10))
        member.page.fill("#end", local(day, 12))
        member.page.click("form[action$='/bookings'] button[type=submit]")
        assert "Booked." in member.page.content()
    finally:
        member.close()

    visit.go("/manage/assets?q=" + asset_name.replace(" ", "+"))
    page.locator("tr", has_text=asset_name).locator("text=Maintenance").first.click()
    page.fill("#start", local(day, 9))
    page.fill("#end", local(day, 17))
    page.fill("#reason", "blade check")
    page.click("text=Add window")
    assert "Lotte" in page.content() or "member" in page.content()  # the preview lists the booking it hits
    visit.shot("maintenance-preview")
    assert_accessible(visit, "maintenance preview")
    page.click("text=Add the window anyway")
    # the drill has no special capabilities, so any free power tool at hand is an equivalent: it moves there
    assert "moved to" in page.content() or "flagged" in page.content()
    visit.shot("maintenance-added")
    visit.go("/manage/")
    visit.shot("dashboard-after")


def test_dashboards_draw_their_charts(visit):
    page = visit.page
    visit.go("/pool")
    page.wait_for_function("() => document.querySelectorAll('canvas').length > 0 && "
                           "[...document.querySelectorAll('canvas')].every(c => window.Chart && Chart.getChart(c))")
    visit.shot("public-pool")
    assert_accessible(visit, "pool page")
    visit.login("coordinator")
    visit.go("/stats")
    page.wait_for_function("() => [...document.querySelectorAll('canvas')].every(c => window.Chart && Chart.getChart(c))")
    assert page.locator("canvas").count() >= 2
    visit.shot("coordinator-dashboard")
    assert_accessible(visit, "dashboard")


def test_a_visitor_switches_to_french(visit):
    page = visit.page
    visit.go("/assets")
    page.select_option("#lang-choice", value="fr")
    page.click("form.language button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/assets")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Trouver quelque chose à emprunter" in page.content() and "Chercher et réserver" in page.content()
    visit.shot("search-in-french")
    assert_accessible(visit, "search in French")


def test_a_coordinator_works_in_german(visit):
    """The language saved on the account follows the coordinator from page to page: the overview, the
    utilisation dashboard with its charts, and the bookings list."""
    page = visit.page
    visit.login("coordinator")
    visit.go("/manage/")
    try:
        page.select_option("#lang-choice", value="de")
        page.click("form.language button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "de"
        assert "Übersicht" in page.content() and "Abmelden" in page.content()
        visit.shot("overview-in-german")
        assert_accessible(visit, "overview in German")
        visit.go("/stats")
        page.wait_for_selector("canvas")
        assert "Auslastung" in page.content()
        visit.shot("dashboard-in-german")
        assert_accessible(visit, "dashboard in German")
        visit.go("/bookings")
        assert "Meine Buchungen" in page.content()
        visit.shot("bookings-in-german")
        assert_accessible(visit, "bookings in German")
    finally:  # the choice is saved on the shared demo account: give the other journeys their English back
        page.select_option("#lang-choice", value="en")
        page.click("form.language button[type=submit]")
        page.wait_for_load_state()
