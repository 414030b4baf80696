"""A member puts her own cargo bike into the pool; another member books it inside its windows only, and she
approves the newcomer. In a real browser, at phone and desktop size."""
from __future__ import annotations

import re
import uuid

from tests.e2e.conftest import Visit
from tests.e2e.test_journeys import assert_accessible, local, next_saturday


def test_a_member_lists_a_cargo_bike_and_another_books_it(visit, browser, live_server):
    page = visit.page
    visit.login("member")
    visit.go("/my-items")
    assert_accessible(visit, "my items")
    page.click("text=Put an item in the pool")
    page.select_option("#category_id", label="Cargo bikes")
    page.click("main form.card button[type=submit]")
    name = f"Cargo bike {uuid.uuid4().hex[:6]}"
    page.fill("#name", name)
    page.fill("#cap_payload_kg", "100")
    page.fill("#cap_child_seats", "2")
    page.select_option("#hub_id", label="Vaartsche Rijn Mobility Station")
    page.fill("#from_5", "09:00")
    page.fill("#until_5", "18:00")
    page.check("input[name=approval_mode][value=first_time]")
    visit.shot("list-item")
    assert_accessible(visit, "list an item")
    page.click("text=Put it in the pool")
    page.wait_for_url(re.compile(r".*/my-items/\d+$"))
    assert "is in the pool" in page.content()
    visit.shot("item-listed")
    assert_accessible(visit, "item page")
    asset_path = page.get_attribute("text=Its page in the pool", "href")

    base, _app = live_server
    borrower = Visit(browser, base, visit.viewport, visit.test_name)
    try:
        other = borrower.page
        borrower.login("coordinator")
        borrower.go(asset_path)
        assert "own item" in other.content()
        day = next_saturday()
        other.fill("#start", local(day, 19))
        other.fill("#end", local(day, 20))
        other.click("form[action$='/bookings'] button[type=submit]")
        assert "not offered by its owner" in other.locator("#start-error").inner_text()
        borrower.shot("outside-the-windows")
        other.fill("#start", local(day, 10))
        other.fill("#end", local(day, 12))
        other.click("form[action$='/bookings'] button[type=submit]")
        assert "the owner will approve it" in other.content()
        booking_url = other.url
        borrower.shot("booked-waiting")
    finally:
        borrower.close()

    visit.go("/my-items")
    row = page.locator("tr", has_text=name).first
    row.locator("button", has_text="Approve").click()
    assert "Approved" in page.content()
    visit.shot("approved")

    borrower = Visit(browser, base, visit.viewport, visit.test_name)
    try:
        borrower.login("coordinator")
        borrower.page.goto(booking_url)
        assert "confirmed" in borrower.page.content()
    finally:
        borrower.close()
