"""The lending catalogue in a real browser at 1280x800 and 390x844: a member picks a free hour in the asset
page's week grid (a tap fills the booking form, a second tap extends it), books it and cancels; the month
grid, the map with its offline base layer and the search's "distance from" choices pass axe."""
from __future__ import annotations

import sys

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.test_journeys import assert_accessible

SIZES = {"phone-390x844": {"width": 390, "height": 844}, "desktop-1280x800": {"width": 1280, "height": 800}}
e2e.VIEWPORTS.update(SIZES)  # Visit reads its size from here


def _share_the_session_axe_log() -> None:
    """pytest loaded conftest.py under its own module name; this module imported it again. Both copies append
    to the one log the session's summary (axe-summary.txt) is written from."""
    for module in list(sys.modules.values()):
        log = getattr(module, "AXE_LOG", None)
        if module is not e2e and getattr(module, "__file__", None) == e2e.__file__ and log is not None:
            e2e.AXE_LOG = log
            return


@pytest.fixture(params=list(SIZES))
def catalogue_visit(request, browser, live_server):
    base, _app = live_server
    _share_the_session_axe_log()
    v = e2e.Visit(browser, base, request.param, request.node.originalname)
    yield v
    v.close()


def test_member_picks_a_slot_in_the_grid_and_books_it(catalogue_visit):
    visit, page = catalogue_visit, catalogue_visit.page
    visit.login("member")
    visit.go("/assets?near=none&q=Cordless")
    page.locator("table.results tbody tr td a").first.click()
    page.wait_for_selector("table.slot-grid")
    # three weeks ahead, clear of the other journeys' bookings
    for _ in range(3):
        with page.expect_navigation():
            page.click("text=Next week")
    visit.shot("asset-week-grid")
    assert_accessible(visit, "asset page, week grid")
    free = page.locator("td.slot-free[data-slot-start$='T14:00']").first
    day = free.get_attribute("data-slot-start")[:10]
    free.locator("a").click()
    assert page.input_value("#start") == f"{day}T14:00"
    assert page.input_value("#end") >= f"{day}T15:00"
    assert page.url.find("start=") < 0  # filled in place, no reload
    later = page.locator(f"td.slot-free[data-slot-start='{day}T15:00'] a")
    if later.count():
        later.click()
        assert page.input_value("#end") == f"{day}T16:00"
    assert "Picked:" in page.inner_text("#picked")
    visit.shot("slot-picked")
    assert_accessible(visit, "slot picked")
    with page.expect_navigation():
        page.click("form.booking-form button[type=submit]")
    assert "Booked." in page.content() or "Booking requested" in page.content()
    visit.shot("booked-from-grid")
    page.click("text=Cancel this booking")
    page.click("text=Yes, cancel this booking")  # cancelling asks first
    assert "Booking cancelled." in page.content()


def test_month_grid_map_and_distance_choices_are_accessible(catalogue_visit):
    visit, page = catalogue_visit, catalogue_visit.page
    visit.login("member")
    visit.go("/assets?near=none&q=Cordless")
    page.locator("table.results tbody tr td a").first.click()
    with page.expect_navigation():
        page.click(".grid-views >> text=Month")
    page.wait_for_selector("table.month-grid")
    visit.shot("asset-month-grid")
    assert_accessible(visit, "asset page, month grid")
    visit.go("/map")
    assert page.locator("#hub-svg path.land").count() == 1 and page.locator("g.home-marker").count() == 1
    visit.shot("map-offline-base-layer")
    assert_accessible(visit, "map")
    visit.go("/assets")
    page.select_option("#near_hub", index=1)
    assert page.is_checked("input[name=near][value=hub]")  # choosing a hub chooses "a hub"
    page.click("text=Pick it on the map")
    assert "pick=1" in page.url
    page.locator("#hub-svg").scroll_into_view_if_needed()
    box = page.locator("#hub-svg").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.8)
    page.wait_for_url("**/assets?**near=map**")
    assert page.is_checked("input[name=near][value=map]")
    visit.shot("search-distance-from-map-point")
    assert_accessible(visit, "search, distance from a picked point")


def test_coordinator_adds_a_photo_that_members_see(catalogue_visit, live_server, tmp_path, tmp_path_factory):
    from PIL import Image

    _base, app = live_server
    # never the instance folder in tests; one folder for the session, as the photos stay in the database
    app.config["PHOTO_DIR"] = str(tmp_path_factory.getbasetemp() / "e2e-photos")
    picture = tmp_path / "drill.jpg"
    Image.linear_gradient("L").resize((1200, 900)).convert("RGB").save(picture, format="JPEG")
    (tmp_path / "notes.jpg").write_bytes(b"<html><script>alert(1)</script></html>")
    visit, page = catalogue_visit, catalogue_visit.page
    visit.login("coordinator")
    visit.go("/assets?near=none&q=Cordless")
    href = page.locator("table.results tbody tr td a").first.get_attribute("href")
    asset_id = href.split("/assets/")[1].split("?")[0]
    visit.go(f"/manage/assets/{asset_id}/edit")
    page.set_input_files("#photo", str(tmp_path / "notes.jpg"))
    page.click("form[action$='/photos'] button[type=submit]")
    assert "The photo must be a JPEG, PNG, WebP or GIF image." in page.inner_text("#photo-error")
    visit.shot("photo-refused")
    assert_accessible(visit, "asset edit, photo refused")
    page.set_input_files("#photo", str(picture))
    page.fill("#alt_text", "The drill in its case")
    page.click("form[action$='/photos'] button[type=submit]")
    assert "Photo added." in page.content()
    visit.shot("photo-added")
    assert_accessible(visit, "asset edit, photo added")
    visit.go(f"/assets/{asset_id}")
    image = page.locator(".asset-photos img").first
    assert image.get_attribute("alt") == "The drill in its case"
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    visit.shot("asset-page-with-photo")
    assert_accessible(visit, "asset page with photo")
    visit.go("/assets?near=none&q=Cordless")
    assert page.locator("td.what img.thumb").count() >= 1
    visit.shot("search-with-thumbnail")
