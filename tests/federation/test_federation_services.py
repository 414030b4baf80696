"""The federation services inside one installation: registering and revoking partners, storing a partner's
fetched catalogue, the back-off after failed fetches, partners' items in the search, and the lending side's one
answer per idempotency key. (Two installations talking: test_two_installations.py.)"""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import func, select

from fleet.booking.availability import AssetQuery
from fleet.core.errors import Conflict, Forbidden, ValidationFailed
from fleet.federation.keys import installation_key
from fleet.federation.partner_bookings import book_for_partner, cancel_for_partner
from fleet.federation.partners import PartnerInput, register_partner, revoke_partner
from fleet.federation.remote_search import RemoteHit, search_with_partners
from fleet.federation.subscription import backoff, fetch_partner, store_remote_items
from fleet.models import Booking, PartnerBooking, RemoteItem, Role

NOW = datetime.now(timezone.utc).replace(microsecond=0)
DAY = (NOW + timedelta(days=2)).replace(hour=9, minute=0, second=0)


def public_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@pytest.fixture
def coordinator(make):
    return make.member(role=Role.admin)


@pytest.fixture
def partner(session, coordinator):
    # a closed loopback port: a fetch fails at once, and nothing leaves the machine
    return register_partner(session, coordinator, PartnerInput("Town B", "http://127.0.0.1:9/", "key-b", public_key()),
                            NOW)


def documents(free_from: datetime, free_until: datetime) -> dict:
    return {
        "items": {"items": [
            {"id": "7", "name": "Box trailer", "url": "http://b.example/assets/7", "ownerId": "pool",
             "projectId": "b", "locationId": "1", "category": "Trailers"},
            {"id": "8", "name": "Far trailer", "url": "http://b.example/assets/8", "ownerId": "pool",
             "projectId": "b", "locationId": "2", "category": "trailers"},
            {"name": "no id"}, "not an object", {"id": "7", "name": "a duplicate"},
            {"id": "9", "name": "Bad\x00link", "url": "javascript:alert(1)", "locationId": "1"},
        ]},
        "locations": {"locations": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "1", "name": "Station B"},
             "geometry": {"type": "Point", "coordinates": [5.13, 52.095]}},
            {"type": "Feature", "properties": {"id": "2", "name": "Far away"},
             "geometry": {"type": "Point", "coordinates": [6.5, 53.2]}},
            {"type": "Feature", "properties": {"id": "3"}, "geometry": {"type": "Point", "coordinates": ["x"]}},
        ]}},
        "availability": {"availability": [
            {"itemId": "7", "locationId": "1", "start": free_from.isoformat(), "end": free_until.isoformat()},
            {"itemId": "8", "locationId": "2", "start": free_from.isoformat(), "end": free_until.isoformat()},
            {"itemId": "7", "locationId": "1", "start": "yesterday", "end": "today"},
        ]},
    }


def test_registering_makes_a_stand_in_account_and_checks_what_is_given(session, make, coordinator, partner):
    assert partner.base_url == "http://127.0.0.1:9" and partner.member.email.endswith("@federation.invalid")
    own = installation_key(session, NOW)
    cases = [PartnerInput("C", "ftp://c.example", "key-c", public_key()),
             PartnerInput("C", "http://c.example", "key-c", "not a key"),
             PartnerInput("C", "http://c.example", own.key_id, own.public_key),
             PartnerInput("", "http://c.example", "key-c", public_key())]
    for given in cases:
        with pytest.raises(ValidationFailed):
            register_partner(session, coordinator, given, NOW)
    with pytest.raises(Conflict):
        register_partner(session, coordinator, PartnerInput("B again", "http://127.0.0.1:9", "key-x", public_key()), NOW)
    with pytest.raises(Forbidden):
        register_partner(session, make.member(), PartnerInput("D", "http://d.example", "key-d", public_key()), NOW)


def test_a_fetched_catalogue_is_stored_leaving_out_what_cannot_be_read(session, partner):
    assert store_remote_items(session, partner, documents(NOW, NOW + timedelta(days=5)), NOW) == 3
    bad = session.scalar(select(RemoteItem).where(RemoteItem.remote_id == "9"))
    assert (bad.name, bad.url) == ("Badlink", "")  # no control character, no script link
    box = session.scalar(select(RemoteItem).where(RemoteItem.remote_id == "7"))
    assert (box.name, box.category, box.location_name, box.lat, box.lon) == ("Box trailer", "Trailers", "Station B",
                                                                              52.095, 5.13)
    assert len(box.free) == 1
    smaller = documents(NOW, NOW + timedelta(days=5))
    smaller["items"]["items"] = smaller["items"]["items"][:1]
    store_remote_items(session, partner, smaller, NOW)
    assert session.scalar(select(func.count(RemoteItem.id))) == 1  # the item B no longer publishes is gone


def test_a_failed_fetch_is_recorded_and_backs_off_exponentially(session, partner):
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert backoff(30) == timedelta(hours=6)
    for attempt in (1, 2):
        outcome = fetch_partner(session, partner, NOW, timeout=2)
        assert not outcome.ok and partner.failures == attempt and "could not be reached" in partner.last_error
        assert partner.next_attempt_at == NOW + backoff(attempt)
    assert partner.last_success_at is None


def test_partners_items_join_the_search_by_distance_when_free_for_the_range(session, make, partner):
    hub = make.hub(lat=52.20, lon=5.30)  # ~17 km from the searcher
    trailers = make.category(name="Trailers")
    local = make.asset(trailers, hub, name="Local trailer")
    store_remote_items(session, partner, documents(DAY, DAY + timedelta(hours=8)), NOW)
    query = AssetQuery(category_id=trailers.id, near=(52.09, 5.12), available_from=DAY + timedelta(hours=1),
                       available_until=DAY + timedelta(hours=3))
    page = search_with_partners(session, query, 0, 20, NOW)
    names = [h.item.name if isinstance(h, RemoteHit) else h.asset.name for h in page.hits]
    assert names == ["Box trailer", "Local trailer", "Far trailer"] and page.total == 3
    assert [round(h.distance_km) for h in page.hits] == [1, 17, 155]  # item 9 has no category: not a trailer
    # longer than the partner's free slot: its items drop out, the local one stays
    query.available_until = DAY + timedelta(hours=9)
    assert [h.asset.id for h in search_with_partners(session, query, 0, 20, NOW).hits] == [local.id]
    # a search a partner cannot answer (a hub, capabilities) shows only local assets
    assert all(not isinstance(h, RemoteHit) for h in search_with_partners(
        session, AssetQuery(hub_id=hub.id), 0, 20, NOW).hits)
    # paging over the mixed list
    query.available_until = DAY + timedelta(hours=3)
    assert [h.item.name for h in search_with_partners(session, query, 2, 1, NOW).hits] == ["Far trailer"]


def test_revoking_refuses_the_partner_and_removes_its_items(session, coordinator, partner):
    store_remote_items(session, partner, documents(DAY, DAY + timedelta(hours=8)), NOW)
    revoke_partner(session, coordinator, partner.id, NOW)
    assert partner.status.value == "revoked" and session.scalar(select(func.count(RemoteItem.id))) == 0
    assert search_with_partners(session, AssetQuery(), 0, 20, NOW).hits == []
    with pytest.raises(Conflict):
        revoke_partner(session, coordinator, partner.id, NOW)


def test_one_answer_per_idempotency_key_and_a_cancel_before_the_booking(session, make, partner):
    asset = make.asset(name="Box trailer")
    payload = {"idempotency_key": "key-0001", "item_id": str(asset.id), "start": DAY.isoformat(),
               "end": (DAY + timedelta(hours=2)).isoformat()}
    first = book_for_partner(session, partner, payload, NOW)
    assert first["status"] == "confirmed"
    assert book_for_partner(session, partner, payload, NOW) == first
    assert session.scalar(select(func.count(Booking.id))) == 1
    clash = book_for_partner(session, partner, {**payload, "idempotency_key": "key-0002"}, NOW)
    assert clash["status"] == "refused" and "already booked" in clash["reason"]
    assert session.scalar(select(func.count(Booking.id))) == 1  # the refusal left nothing behind
    # a cancel that comes first: the late request with that key books nothing
    assert cancel_for_partner(session, partner, {"idempotency_key": "key-0003"}, NOW) == {"status": "cancelled"}
    late = book_for_partner(session, partner, {**payload, "idempotency_key": "key-0003",
                                               "start": (DAY + timedelta(hours=4)).isoformat(),
                                               "end": (DAY + timedelta(hours=5)).isoformat()}, NOW)
    assert late == {"status": "cancelled"} and session.scalar(select(func.count(Booking.id))) == 1
    # cancelling the first frees its slot
    assert cancel_for_partner(session, partner, {"idempotency_key": "key-0001"}, NOW)["status"] == "cancelled"
    assert session.get(Booking, int(first["booking_id"])).status.value == "cancelled"
    assert session.scalar(select(func.count(PartnerBooking.id))) == 3
    for bad in ({"idempotency_key": "short"}, {**payload, "idempotency_key": "key-0004", "start": "tomorrow"},
                {**payload, "idempotency_key": "key-0005", "item_id": "x"}):
        with pytest.raises(ValidationFailed):
            book_for_partner(session, partner, bad, NOW)


def test_a_booking_left_pending_is_failed_and_released_by_the_tick(session, make, partner):
    from fleet.federation.remote_bookings import STALE_PENDING, installation_signer, release_failed
    from fleet.models import RemoteBooking, RemoteBookingStatus

    member = make.member()
    booking = RemoteBooking(member_id=member.id, partner_id=partner.id, remote_item_id="7", item_name="Box trailer",
                            start_at=DAY, end_at=DAY + timedelta(hours=1), idempotency_key="k" * 20,
                            status=RemoteBookingStatus.pending, message="", released=False,
                            created_at=NOW - STALE_PENDING - timedelta(minutes=1))
    session.add(booking)
    session.flush()
    # the partner is unreachable here: the booking is failed, and stays to be released by a later tick
    assert release_failed(session, installation_signer(session, NOW), NOW, timeout=2) == 0
    assert booking.status == RemoteBookingStatus.failed and not booking.released


def test_a_partners_stand_in_account_gets_no_mail_and_no_vote(session, make, partner):
    from fleet.governance.proposals import eligible_member_ids
    from fleet.members.notifications import email_preferences
    from fleet.models import Electorate, Proposal

    voter = make.member()
    assert not any(email_preferences(session, partner.member).values())
    proposal = Proposal(electorate=Electorate.all, pool_id=make.pool().id)
    assert voter.id in eligible_member_ids(session, proposal)
    assert partner.member_id not in eligible_member_ids(session, proposal)


def test_the_installation_key_is_made_once_and_kept(session):
    first = installation_key(session, NOW)
    session.commit()
    assert installation_key(session, NOW).key_id == first.key_id and first.key_id.startswith("ed25519-")
    assert len(base64.b64decode(first.public_key)) == 32
