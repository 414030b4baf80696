"""The federation pages: the installation's administrator registers and revokes partners on /manage/partners
(coordinators and members may not);
a partner's items show in the search marked as remote; a member's bookings at partners show on My bookings."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from fleet.models import Partner, RemoteBooking, RemoteBookingStatus, RemoteItem, Role
from tests.helpers import login


def public_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def test_the_administrator_registers_and_revokes_partners(client, make, session):
    admin = make.member(role=Role.admin, email="admin@example.org")
    for refused_role in (Role.member, Role.coordinator):  # a pool's coordinator does not speak for the installation
        someone = make.member(role=refused_role)
        session.commit()
        login(client, someone.email)
        assert client.get("/manage/partners").status_code == 403
        client.post("/logout")
    login(client, admin.email)
    page = client.get("/manage/partners").get_data(as_text=True)
    assert "ed25519-" in page and "No partners yet." in page  # this installation's key id, to hand to a partner
    refused = client.post("/manage/partners", data={"name": "Town B", "base_url": "not a url", "key_id": "k",
                                                    "public_key": public_key()})
    assert refused.status_code == 422 and "http(s)://host" in refused.get_data(as_text=True)
    done = client.post("/manage/partners", data={"name": "Town B", "base_url": "http://127.0.0.1:9", "key_id": "key-b",
                                                 "public_key": public_key()})
    assert done.status_code == 302
    partner = session.scalar(select(Partner))
    assert partner.name == "Town B" and partner.status.value == "active"
    client.post(f"/manage/partners/{partner.id}/revoke")
    session.expire_all()
    assert session.get(Partner, partner.id).status.value == "revoked"


def test_remote_items_show_in_the_search_and_remote_bookings_on_my_bookings(client, make, session):
    from fleet.federation.partners import PartnerInput, register_partner

    admin = make.member(role=Role.admin)
    member = make.member(email="member@example.org", home_lat=52.09, home_lon=5.12)
    partner = register_partner(session, admin, PartnerInput("Town B", "http://127.0.0.1:9", "key-b",
                                                                  public_key()), datetime.now(timezone.utc))
    day = (datetime.now(timezone.utc) + timedelta(days=2)).replace(hour=6, minute=0, second=0, microsecond=0)
    session.add(RemoteItem(partner_id=partner.id, remote_id="7", name="Box trailer", category="Trailers",
                           location_name="Station B", lat=52.095, lon=5.13,
                           free=[[day.isoformat(), (day + timedelta(hours=12)).isoformat()]]))
    session.add(RemoteBooking(member_id=member.id, partner_id=partner.id, remote_item_id="7", item_name="Box trailer",
                              start_at=day, end_at=day + timedelta(hours=2), idempotency_key="k" * 20,
                              status=RemoteBookingStatus.failed, message="unreachable", released=True))
    session.commit()
    login(client, member.email)
    local = day.astimezone(timezone(timedelta(hours=1)))  # the search reads Europe/Amsterdam wall-clock time
    page = client.get("/assets", query_string={"from": (local + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
                                               "until": (local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Box trailer" in text and "Remote: Town B" in text
    assert "/remote-items/" in text  # the form that asks the partner
    mine = client.get("/bookings").get_data(as_text=True)
    assert "At partner installations" in mine and "not booked: the partner could not be reached" in mine
