"""A small world for the security suite: one object of every kind, owned by a member, plus another member, a
coordinator, API tokens for each, and clients that act as each of them."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from fleet.core.db import utcnow
from fleet.models import (
    ApiToken, BookingStatus, FlexibleRequest, MaintenanceWindow, Notification, OptimiserRun, RequestStatus, Role,
    RunStatus, SignupRequest,
)
from fleet.members.tokens import issue_token
from tests.helpers import at

EMPTY_SOLUTION = json.dumps({
    "status": "optimal", "method": "greedy", "assignments": [], "unserved": [],
    "metrics": {"requests": 0, "served": 0, "served_hours": 0.0, "weighted_served_hours": 0.0,
                "upper_bound_weighted_hours": 0.0, "distance_km": 0.0, "wall_seconds": 0.0}})
ROLES = ("anon", "other", "owner", "coordinator")  # the order the access matrix calls them in


@dataclass
class World:
    ids: dict[str, int | str]
    emails: dict[str, str]
    tokens: dict[str, str]
    members: dict[str, object] = field(default_factory=dict)
    secret: str = ""


def act_as(client, member, *, base_url: str | None = None) -> None:
    """Log the client in as `member` the way Flask-Login would after a real login (fast: no password hash);
    `base_url` for a session cookie of another host than localhost."""
    from app.auth import SESSION_SEEN, SESSION_STARTED

    with client.session_transaction(**({"base_url": base_url} if base_url else {})) as sess:
        sess.clear()
        if member is not None:
            sess["_user_id"] = f"{member.id}:{member.session_token}"
            sess["_fresh"] = True
            sess[SESSION_STARTED] = sess[SESSION_SEEN] = int(utcnow().timestamp())


def build_world(session, make, *, text: dict[str, str] | None = None) -> World:
    """Every kind of object an id in a URL can name. `text` overrides free-text fields (the XSS suite)."""
    text = text or {}
    owner = make.member(email="owner@example.org", name=text.get("member.name", "Olive Owner"))
    other = make.member(email="other@example.org", name="Otto Other")
    coordinator = make.member(Role.coordinator, email="coord@example.org", name="Cora Coordinator")
    hub = make.hub(name=text.get("hub.name", "Station"), address=text.get("hub.address", "Main street 1"))
    category = make.category(name=text.get("category.name", "Cars"), approval_required=True,
                             description=text.get("category.description", ""))
    asset = make.asset(category, hub, name=text.get("asset.name", "Blue car"),
                       description=text.get("asset.description", ""))
    booking = make.booking(asset, owner, at(2, 9), at(2, 12), status=BookingStatus.pending)
    booking.note = text.get("booking.note", "")
    booking.attention = text.get("booking.attention", "Needs a call")
    now = utcnow()
    request = FlexibleRequest(member_id=owner.id, category_id=category.id, requires={}, earliest_start=at(5, 8),
                              latest_end=at(5, 18), duration_minutes=120, status=RequestStatus.waitlisted,
                              waitlist_reason="Nothing free", note=text.get("request.note", ""),
                              created_at=now, updated_at=now)
    window = MaintenanceWindow(asset_id=asset.id, start_at=at(8, 8), end_at=at(8, 12),
                               reason=text.get("maintenance.reason", "Yearly service"),
                               created_by_id=coordinator.id, created_at=now)
    run = OptimiserRun(pool_id=category.pool_id, started_by_id=coordinator.id, horizon_start=now, horizon_end=now + timedelta(days=14),
                       status=RunStatus.preview, progress="done",
                       solution_json=EMPTY_SOLUTION)
    session.add_all([request, window, run])
    session.flush()
    session.add(Notification(member_id=owner.id, kind="test", message=text.get("notification", "Hello"),
                             booking_id=booking.id, created_at=now))
    tokens = {}
    for role, member in (("owner", owner), ("other", other), ("coordinator", coordinator)):
        tokens[role] = issue_token(session, member, f"{role} token", now)[0]
    owner.calendar_secret = "s3cretFeedForTheOwnerOnly"
    session.flush()
    token_id = session.scalar(select(ApiToken.id).where(ApiToken.member_id == owner.id))
    series, report = _handover_objects(session, owner, asset, booking, now)
    # a sign-up waiting for its email link (the link's token is the route argument)
    signup_token = "signup-link-token-for-a-newcomer"
    session.add(SignupRequest(email="newcomer@example.org", name=text.get("signup.name", "Nina Newcomer"),
                              password_hash=owner.password_hash,
                              token_hash=hashlib.sha256(signup_token.encode()).hexdigest(), created_at=now))
    ids = dict(asset_id=asset.id, booking_id=booking.id, category_id=category.id, hub_id=hub.id,
               member_id=owner.id, run_id=run.id, request_id=request.id, token_id=token_id, window_id=window.id,
               series_id=series.id, report_id=report.id, token=signup_token, pool_id=category.pool_id)
    ids.update(_governance_objects(session, owner, text, now))
    ids["photo_id"] = _asset_photo(session, coordinator, asset, text, now)
    ids.update(_price_objects(session, coordinator, category, booking, text, now))
    ids.update(_owned_item_objects(session, owner, other, category, hub, now))
    ids.update(_eligibility_objects(session, owner, coordinator, text, now))
    ids.update(_federation_objects(session, owner, coordinator, now))
    ids["agreement_id"] = _agreement(session, coordinator, category, text, now)
    session.commit()
    return World(ids=ids, emails={"owner": owner.email, "other": other.email, "coordinator": coordinator.email},
                 tokens=tokens, members={"owner": owner, "other": other, "coordinator": coordinator},
                 secret=owner.calendar_secret)


def _federation_objects(session, owner, coordinator, now) -> dict:
    """A partner installation (its address a closed loopback port: nothing here calls it), one of its items, and
    the owner's booking of it that failed (so cancelling it is refused here, before any call)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from fleet.federation.partners import PartnerInput, register_partner
    from fleet.models import RemoteBooking, RemoteBookingStatus, RemoteItem

    from fleet.models import Member, Role

    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    admin = Member(email="operator@example.org", name="Installation operator", password_hash="x", role=Role.admin)
    session.add(admin)
    session.flush()
    partner = register_partner(session, admin, PartnerInput("Town B", "http://127.0.0.1:9", "ed25519-town-b",
                                                                  base64.b64encode(raw).decode()), now)
    item = RemoteItem(partner_id=partner.id, remote_id="7", name="Box trailer", category="Cars", lat=52.09, lon=5.12,
                      free=[[at(3, 0).isoformat(), at(9, 0).isoformat()]], fetched_at=now)
    booking = RemoteBooking(member_id=owner.id, partner_id=partner.id, remote_item_id="7", item_name="Box trailer",
                            start_at=at(3, 10), end_at=at(3, 12), idempotency_key="key-of-a-failed-booking",
                            status=RemoteBookingStatus.failed, message="unreachable", released=True, created_at=now)
    session.add_all([item, booking])
    session.flush()
    return {"partner_id": partner.id, "remote_item_id": item.id, "remote_booking_id": booking.id}


def _agreement(session, coordinator, category, text: dict, now) -> int:
    """A partner pool's offer to lend one of its categories to the world's pool (whose coordinator may accept or
    end it)."""
    from fleet.models import AgreementStatus, Category, LendingAgreement, Pool

    partner = Pool(slug="partner", name=text.get("pool.name", "Partner pool")[:120], created_at=now)
    session.add(partner)
    session.flush()
    tools = Category(name=text.get("agreement.category", "Partner tools")[:120], kind="tool", pool_id=partner.id)
    agreement = LendingAgreement(lender_pool_id=partner.id, borrower_pool_id=category.pool_id,
                                 status=AgreementStatus.offered, created_by_id=coordinator.id, created_at=now,
                                 updated_at=now, categories=[tools])
    session.add_all([tools, agreement])
    session.flush()
    return agreement.id


def _eligibility_objects(session, owner, coordinator, text: dict, now) -> dict:
    """A qualification and its grant to the owner (valid; the world's category does not require it)."""
    from fleet.booking.eligibility_rules import create_qualification, grant_qualification

    qualification = create_qualification(session, coordinator, text.get("qualification.name", "Chainsaw induction")[:120],
                                         text.get("qualification.how_to_get", "Saturday mornings."), now)
    grant = grant_qualification(session, coordinator, owner.id, qualification.id, None, now)
    return {"qualification_id": qualification.id, "grant_id": grant.id, "account_id": owner.id}


def _governance_objects(session, owner, text: dict, now) -> dict:
    """A decided (passed) proposal of the owner's, with a comment of theirs."""
    from fleet.governance import closing, comments, proposals

    proposal = proposals.open_proposal(session, owner, now - timedelta(days=8), kind="free_text",
                                       title=text.get("proposal.title", "Paint the shed"),
                                       body=text.get("proposal.body", "It needs it."))
    closing.close_due(session, now)
    comment = comments.add_comment(session, owner, proposal.id, text.get("comment.body", "Agreed."), now)
    return {"proposal_id": proposal.id, "comment_id": comment.id}


def _price_objects(session, coordinator, category, booking, text: dict, now) -> dict:
    """The category's tariff, and a charge of the owner's booking with an adjustment (its reason is free text)."""
    from fleet.booking.charges import adjust_charge
    from fleet.catalogue.tariffs import set_tariff
    from fleet.models import LedgerEntry, LedgerKind

    tariff = set_tariff(session, coordinator, {"currency": "EUR", "per_hour_minor": 100}, now,
                        category_id=category.id)
    charge = LedgerEntry(pool_id=category.pool_id, member_id=booking.member_id, kind=LedgerKind.charge, amount_minor=300, currency="EUR",
                         entry_date=now.date(), booking_id=booking.id, charged_booking_id=booking.id,
                         computation="3 h x 1.00 = 3.00 EUR", note="", category_id=category.id)
    session.add(charge)
    session.flush()
    adjust_charge(session, coordinator, charge.id, -100, text.get("adjustment.reason", "Goodwill"), now)
    return {"tariff_id": tariff.id, "entry_id": charge.id}


def _handover_objects(session, owner, asset, booking, now):
    """A recurring series and a damage report with a stored photo, both the owner's."""
    import io
    import tempfile
    from datetime import date, time
    from pathlib import Path

    from flask import current_app
    from PIL import Image

    from fleet.models import BookingSeries, DamageReport
    from fleet.booking.photos import clean_photo, store_photo

    series = BookingSeries(member_id=owner.id, asset_id=asset.id, first_date=date(2030, 1, 5), start_time=time(9),
                           duration_minutes=180, interval_days=7, occurrences=2, timezone="Europe/Amsterdam",
                           skipped=[], created_at=now)
    photos = Path(tempfile.mkdtemp(prefix="commonpool-photos-"))
    current_app.config["PHOTO_DIR"] = str(photos)  # never the instance folder in tests
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    name = store_photo(photos, clean_photo(png.getvalue(), max_bytes=1024 * 1024)[0], "jpg")
    report = DamageReport(asset_id=asset.id, booking_id=booking.id, reported_by_id=owner.id, reported_at=now,
                          description="Dent", photo_name=name, photo_content_type="image/jpeg")
    session.add_all([series, report])
    session.flush()
    return series, report


def _asset_photo(session, coordinator, asset, text: dict, now) -> int:
    """A catalogue photo of the asset (stored in the photo directory _handover_objects chose)."""
    import io
    from pathlib import Path

    from flask import current_app
    from PIL import Image

    from fleet.booking.asset_photos import add_asset_photo

    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    photo = add_asset_photo(session, coordinator, asset.id, png.getvalue(),
                            photo_dir=Path(current_app.config["PHOTO_DIR"]), max_bytes=1024 * 1024, now=now,
                            alt_text=text.get("photo.alt_text", "The car from the front"))
    return photo.id


@pytest.fixture
def world(session, make) -> World:
    return build_world(session, make)


def _owned_item_objects(session, owner, borrower, category, hub, now) -> dict:
    """One of the owner's own items in the pool, with an exception, the other member's booking of it waiting for
    the owner's approval, and a damage report on that loan. The route ids item_id and exception_id name the
    item and its exception; a route naming a booking or a report of the item takes owned_booking_id and
    owned_report_id (tests/security/test_access_matrix.py)."""
    from fleet.booking.bookings import book_asset
    from fleet.models import DamageReport
    from fleet.owners.listing import ItemInput, list_item
    from fleet.owners.windows import WindowInput, add_exception

    item = list_item(session, owner, ItemInput(
        name="Olive's cargo bike", category_id=category.id, hub_id=hub.id, timezone="UTC",
        approval_mode="every_booking", windows=[WindowInput(d, "00:00", "24:00") for d in range(7)]), now)
    exception = add_exception(session, owner, item.id, "available", at(20, 0), at(21, 0), "", now).exception
    booking = book_asset(session, borrower, item.asset_id, at(3, 9), at(3, 11), now - timedelta(minutes=1))
    report = DamageReport(asset_id=item.asset_id, booking_id=booking.id, reported_by_id=owner.id, reported_at=now,
                          description="Bent wheel")
    session.add(report)
    session.flush()
    return {"item_id": item.id, "exception_id": exception.id, "owned_booking_id": booking.id,
            "owned_report_id": report.id}
