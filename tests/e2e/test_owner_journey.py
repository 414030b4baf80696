"""A member puts her own cargo bike into the pool; another member books it inside its windows only, and she
approves the newcomer. She then opens it for a loan starting now; both confirm the hand-over and the return,
the borrower sees the charge with its computation in their ledger, she sees her share in hers, and the public
open book shows what owners were reimbursed. In a real browser, at phone and desktop size."""
from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

from tests.e2e.conftest import Visit
from tests.e2e.test_journeys import AMS, assert_accessible, local, next_saturday


def _fresh_borrower(live_server, taken: set[str]) -> str:
    """A demo member (the login's local part) who never borrowed anything of the demo member's: a first-time
    borrower in every run, since the runs at both sizes share one database."""
    from sqlalchemy import select

    from app.extensions import db
    from fleet.demo import MEMBER_EMAIL
    from fleet.models import Booking, Member, OwnedItem, Role

    _base, app = live_server
    with app.app_context():
        owner_id = db.session.scalar(select(Member.id).where(Member.email == MEMBER_EMAIL))
        lent = select(OwnedItem.asset_id).where(OwnedItem.owner_id == owner_id)
        borrowed = select(Booking.member_id).where(Booking.asset_id.in_(lent))
        email = db.session.scalar(select(Member.email).where(
            Member.role == Role.member, Member.active.is_(True), Member.id != owner_id, Member.id.not_in(borrowed),
            Member.email.not_in(taken) if taken else True, Member.email.like("%.%@%")).order_by(Member.id))
        db.session.remove()
    taken.add(email)
    return email.split("@")[0]


BORROWERS: set[str] = set()


@contextmanager
def other_party(visit: Visit, browser, base: str):
    """Another person's browser beside `visit`'s; its screenshots continue `visit`'s numbering, so the
    folder reads as one story."""
    other = Visit(browser, base, visit.viewport, visit.test_name)
    other.step = visit.step
    try:
        yield other
    finally:
        visit.step = other.step
        other.close()


def _minute(instant: datetime) -> str:
    return f"{instant:%Y-%m-%dT%H:%M}"


def _reimbursed_minor(text: str) -> int:
    """The euros reimbursed to owners on the open-book page, in cents (0 when nothing was)."""
    figure = re.search(r"Reimbursed to owners of members' own items: (.+?)\.(?:\s|$)", text).group(1)
    euros = re.search(r"EUR ([\d,]+)\.(\d\d)", figure)
    return 0 if euros is None else int(euros.group(1).replace(",", "") + euros.group(2))


def test_a_member_lists_a_cargo_bike_and_another_books_it(visit, browser, live_server):
    page = visit.page
    base, _app = live_server
    who = _fresh_borrower(live_server, BORROWERS)
    with other_party(visit, browser, base) as public:
        public.go("/pool/costs")
        reimbursed_before = _reimbursed_minor(public.page.inner_text("main"))

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
    page.select_option("#meter_unit", value="km")
    page.select_option("#hub_id", label="Vaartsche Rijn Mobility Station")
    page.fill("#from_5", "09:00")
    page.fill("#until_5", "18:00")
    page.check("input[name=approval_mode][value=first_time]")
    page.fill("#owner_share_percent", "60")
    visit.shot("list-item")
    assert_accessible(visit, "list an item")
    page.click("text=Put it in the pool")
    page.wait_for_url(re.compile(r".*/my-items/\d+$"))
    assert "is in the pool" in page.content()
    item_path = page.url.removeprefix(base)
    visit.shot("item-listed")
    assert_accessible(visit, "item page")
    asset_path = page.get_attribute("text=Its page in the pool", "href")

    with other_party(visit, browser, base) as borrower:
        other = borrower.page
        borrower.login(who)
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

    visit.go("/my-items")
    row = page.locator("tr", has_text=name).first
    row.locator("button", has_text="Approve").click()
    assert "Approved" in page.content()
    visit.shot("approved")

    # The owner offers the bike from now on, on top of its weekly windows, for a loan that starts at once.
    now = datetime.now(AMS).replace(second=0, microsecond=0)
    visit.go(item_path)
    page.select_option("#kind", value="available")
    page.fill("#start", _minute(now - timedelta(minutes=5)))
    page.fill("#end", _minute(now + timedelta(hours=3)))
    page.click("form[action$='/exceptions'] button[type=submit]")
    assert "Saved." in page.content()
    visit.shot("open-now")
    assert_accessible(visit, "item open now")

    with other_party(visit, browser, base) as borrower:
        other = borrower.page
        borrower.login(who)
        borrower.page.goto(booking_url)
        assert "confirmed" in borrower.page.content()
        borrower.go(asset_path)
        other.fill("#start", _minute(now + timedelta(minutes=2)))
        other.fill("#end", _minute(now + timedelta(hours=1, minutes=2)))
        other.click("form[action$='/bookings'] button[type=submit]")
        assert "the owner will approve it" in other.content()
        loan_url = other.url
        loan_id = int(re.search(r"/bookings/(\d+)", loan_url).group(1))
        borrower.shot("loan-requested")

    visit.go("/my-items")
    page.locator("tr", has_text=name).first.locator("button", has_text="Approve").click()
    assert "Approved" in page.content()

    # check-out: the borrower at the hub page, then the owner on her item's page
    with other_party(visit, browser, base) as borrower:
        other = borrower.page
        borrower.login(who)
        borrower.page.goto(loan_url)
        other.click("text=Check out at the hub")
        form = other.locator(f"form[action$='/bookings/{loan_id}/check-out']")
        for box in form.locator("input[name=checklist]").all():
            box.check()
        form.locator(f"#meter-{loan_id}").fill("120")
        borrower.shot("check-out-form")
        assert_accessible(borrower, "check-out form")
        form.locator("button[type=submit]").click()
        assert "the hand-over is done when the owner confirms too" in other.content()
        borrower.shot("check-out-borrower-confirmed")
        assert_accessible(borrower, "check-out confirmed by the borrower")

    visit.go(item_path)
    confirm = page.locator(f"form[action$='/bookings/{loan_id}/confirm']")
    confirm.locator("button", has_text="Confirm the hand-over").click()
    assert "Confirmed." in page.content()
    visit.shot("check-out-owner-confirmed")
    assert_accessible(visit, "check-out confirmed by the owner")

    # check-in: the owner first this time, then the borrower; the charge is posted with the second
    confirm = page.locator(f"form[action$='/bookings/{loan_id}/confirm']")
    confirm.locator("input[name=meter_reading]").fill("132")
    confirm.locator("button", has_text="Confirm the return").click()
    assert "Confirmed." in page.content() and "You confirmed; waiting for the borrower." in page.content()
    assert "120.0 → 132.0" in page.locator("tr", has_text="You confirmed; waiting for the borrower.").inner_text()
    visit.shot("check-in-owner-confirmed")
    assert_accessible(visit, "check-in confirmed by the owner")

    with other_party(visit, browser, base) as borrower:
        other = borrower.page
        borrower.login(who)
        borrower.page.goto(loan_url)
        other.click("text=Check in at the hub")
        form = other.locator(f"form[action$='/bookings/{loan_id}/check-in']")
        for box in form.locator("input[name=checklist]").all():
            box.check()
        form.locator(f"#meter-{loan_id}").fill("132")
        form.locator("button[type=submit]").click()
        flashed = other.inner_text("main")
        assert "Charge posted to the ledger" in flashed, flashed
        computation = re.search(r"Charge posted to the ledger: [^(]*\(([^)]*)\)", flashed).group(1)
        assert " h x " in computation and computation.endswith("EUR")
        borrower.shot("checked-in-charge")
        assert_accessible(borrower, "checked in with the charge")

        borrower.go("/my/ledger")
        row = other.locator("tr", has_text=re.compile(rf"booking {loan_id}\b"))
        assert "charge" in row.inner_text().lower() and computation in row.locator(".computation").inner_text()
        borrower.shot("borrower-ledger")
        assert_accessible(borrower, "borrower's ledger")

    visit.go("/my/ledger")
    row = page.locator("tr", has_text=re.compile(rf"booking {loan_id}\b"))
    charged_minor = int(re.search(r"= (\d+)\.(\d\d) EUR$", computation).expand(r"\1\2"))
    share = charged_minor * 60 // 100
    text = row.inner_text()
    assert "owner reimbursement" in text.lower() and f"EUR {share // 100}.{share % 100:02d}" in text, text
    assert "60 %" in text
    visit.shot("owner-ledger")
    assert_accessible(visit, "owner's ledger")

    with other_party(visit, browser, base) as public:
        public.go("/pool/costs")
        reimbursed_after = _reimbursed_minor(public.page.inner_text("main"))
        assert reimbursed_after - reimbursed_before == share, (reimbursed_before, reimbursed_after)
        assert who not in public.page.content()
        public.shot("open-book")
        assert_accessible(public, "open book")
