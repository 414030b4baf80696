"""Who may call what, generated from the URL map (no IDOR, no coordinator action for a member).

Every rule that takes an object id (`<int:...>` or `<id:...>`) is called anonymously, as another member, as
the member who owns the objects and as a coordinator, with each of its methods. EXPECTATIONS is the reviewed
table of what each must answer; a new id-taking endpoint fails `test_every_id_route_is_classified` until
someone adds it here, so every future route gets classified.

Answers: OK is anything but 401/403/404 and a login redirect (a 400 or 409 means the request got past
authorisation and was refused on its merits); AUTH is the login redirect on web pages and 401 in the API.
"""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from app.converters import IdConverter
from tests.security.conftest import ROLES, act_as, build_world

OK, AUTH, NOT_FOUND, FORBIDDEN = "ok", "auth", 404, 403

# Someone's own object: others get 404 (its existence is not revealed), coordinators may act on it.
MEMBER_OWNED = {"anon": AUTH, "other": NOT_FOUND, "owner": OK, "coordinator": OK}
# Personal credentials: nobody else, coordinators included.
PERSONAL = {"anon": AUTH, "other": NOT_FOUND, "owner": OK, "coordinator": NOT_FOUND}
# Coordinator-only: members are told no (403), anonymous callers are sent to log in.
COORDINATOR = {"anon": AUTH, "other": FORBIDDEN, "owner": FORBIDDEN, "coordinator": OK}
# The catalogue: anyone on the web; any member with a token in the API.
PUBLIC = {"anon": OK, "other": OK, "owner": OK, "coordinator": OK}
MEMBERS = {"anon": AUTH, "other": OK, "owner": OK, "coordinator": OK}

EXPECTATIONS: dict[str, dict] = {
    # web: a member's own bookings and requests
    "bookings.detail": MEMBER_OWNED,
    "bookings.cancel": MEMBER_OWNED,
    "requests.detail": MEMBER_OWNED,
    "requests.cancel": MEMBER_OWNED,
    # web: the catalogue
    "catalogue.asset_page": PUBLIC,
    # web: coordinators
    "feeds.calendar.asset_feed": COORDINATOR,
    "manage.edit_asset": COORDINATOR,
    "manage.maintenance": COORDINATOR,
    "manage.add_maintenance": COORDINATOR,
    "manage.delete_maintenance": COORDINATOR,
    "manage.retire_asset": COORDINATOR,
    "manage.cancel": COORDINATOR,
    "manage.decide": COORDINATOR,
    "manage.resolve": COORDINATOR,
    "manage.edit_category": COORDINATOR,
    "manage.retire_category": COORDINATOR,
    "manage.edit_hub": COORDINATOR,
    "manage.retire_hub": COORDINATOR,
    "manage.set_member_active": COORDINATOR,
    "manage.confirm_deactivation": COORDINATOR,
    "manage.change_role": COORDINATOR,
    "manage.optimiser_run": COORDINATOR,
    "manage.apply_optimiser_run": COORDINATOR,
    "manage.discard_optimiser_run": COORDINATOR,
    "manage.run_optimiser_again": COORDINATOR,
    "manage.optimiser_preview_csv": COORDINATOR,
    "api.get_optimiser_run": COORDINATOR,
    "api.apply_optimiser_run": COORDINATOR,
    "api.discard_optimiser_run": COORDINATOR,
    # API: a member's own
    "api.get_booking": MEMBER_OWNED,
    "api.cancel_booking": MEMBER_OWNED,
    "api.get_request": MEMBER_OWNED,
    "api.cancel_request": MEMBER_OWNED,
    "api.delete_token": PERSONAL,
    # API: the catalogue
    "api.asset": MEMBERS,
    "api.availability": MEMBERS,
    "api.hub": MEMBERS,
    "api.category": MEMBERS,
    # API: coordinators
    "api.approve_booking": COORDINATOR,
    "api.reject_booking": COORDINATOR,
    "api.update_asset": COORDINATOR,
    "api.set_category_names": COORDINATOR,
    "api.retire_asset": COORDINATOR,
    "api.list_maintenance": COORDINATOR,
    "api.create_maintenance": COORDINATOR,
    "api.delete_maintenance": COORDINATOR,
    "api.update_hub": COORDINATOR,
    "api.retire_hub": COORDINATOR,
    "api.update_category": COORDINATOR,
    "api.retire_category": COORDINATOR,
    # fleet planning and open-book costs (coordinators)
    "manage.planning_run": COORDINATOR,
    "manage.planning_instance": COORDINATOR,
    "manage.planning_report": COORDINATOR,
    "manage.plan_again": COORDINATOR,
    "api.get_planning_run": COORDINATOR,
    "manage.set_fee": COORDINATOR,
    # handover: check-out/in of one's own booking, damage reports (anyone may report; the photo is the
    # reporter's and the coordinators'), recurring series, QR labels and repairs for coordinators
    "bookings.asset_handover": MEMBERS,
    "bookings.check_out": MEMBER_OWNED,
    "bookings.check_in": MEMBER_OWNED,
    "bookings.report_damage": MEMBERS,
    "bookings.damage_photo": MEMBER_OWNED,
    "bookings.series_detail": MEMBER_OWNED,
    "bookings.cancel_series": MEMBER_OWNED,
    "bookings.asset_label": COORDINATOR,
    "bookings.repair": COORDINATOR,
    "api.check_out_booking": MEMBER_OWNED,
    "api.check_in_booking": MEMBER_OWNED,
    "api.report_damage": MEMBERS,
    "api.get_series": MEMBER_OWNED,
    "api.cancel_series": MEMBER_OWNED,
}

# governance: members read and discuss every proposal (the pool decides in the open); only its author (or a
# coordinator) withdraws one, only its author edits a comment; coordinators apply; the record is public
AUTHOR_OR_COORDINATOR = {"anon": AUTH, "other": FORBIDDEN, "owner": OK, "coordinator": OK}
AUTHOR_ONLY = {"anon": AUTH, "other": FORBIDDEN, "owner": OK, "coordinator": FORBIDDEN}
EXPECTATIONS.update({
    "governance.detail": MEMBERS, "governance.vote": MEMBERS, "governance.comment": MEMBERS,
    "governance.withdraw": AUTHOR_OR_COORDINATOR, "governance.edit_comment": AUTHOR_ONLY,
    "governance.apply": COORDINATOR, "governance.decision": PUBLIC,
    "api.get_proposal": MEMBERS, "api.vote_on_proposal": MEMBERS, "api.list_comments": MEMBERS,
    "api.create_comment": MEMBERS, "api.withdraw_proposal": AUTHOR_OR_COORDINATOR,
    "api.edit_comment": AUTHOR_ONLY, "api.apply_decision": COORDINATOR, "api.propose_from_plan_run": COORDINATOR,
    "api.get_decision": PUBLIC,
})

# Where an argument name means another kind of object than build_world's (run_id: a planning run, not an
# optimiser run), the object is made for that test: (world key, maker).
def _planning_run(session, world) -> int:
    from fleet.core.db import utcnow
    from fleet.reporting.fleet_plans import create_plan, execute_plan

    run = create_plan(session, world.members["coordinator"], 7, 2.0, utcnow())
    execute_plan(session, run.id, utcnow())  # finished, so its report and instance can be read
    session.commit()
    return run.id


OTHER_IDS = {endpoint: {"run_id": ("planning_run_id", _planning_run)}
             for endpoint in ("manage.planning_run", "manage.planning_instance", "manage.planning_report",
                              "manage.plan_again", "api.get_planning_run")}



OTHER_IDS["api.propose_from_plan_run"] = {"run_id": ("planning_run_id", _planning_run)}


# the catalogue's photos: public like the asset page; coordinators add and remove them under /manage, and in the
# API and on the item's page also the member who lends the asset as their own item (build_world's owner); the
# API endpoints are called on that item's asset and a photo of it
OWNER_OR_COORDINATOR = {"anon": AUTH, "other": FORBIDDEN, "owner": OK, "coordinator": OK}
EXPECTATIONS.update({"catalogue.asset_photo": PUBLIC, "manage.add_asset_photo": COORDINATOR,
                     "manage.delete_asset_photo": COORDINATOR, "api.add_asset_photo": OWNER_OR_COORDINATOR,
                     "api.delete_asset_photo": OWNER_OR_COORDINATOR, "owners.add_photo": MEMBER_OWNED,
                     "owners.remove_photo": MEMBER_OWNED})


def _owned_asset(session, world) -> int:
    from fleet.models import OwnedItem

    return session.get(OwnedItem, world.ids["item_id"]).asset_id


def _owned_photo(session, world) -> int:
    """A photo of the owned item's asset, added by its owner; its row is kept to put it back (`_restore_photo`)."""
    from fleet.core.db import utcnow
    from fleet.models import Asset, AssetPhoto, OwnedItem
    from tests.security.conftest import _asset_photo

    asset = session.get(Asset, session.get(OwnedItem, world.ids["item_id"]).asset_id)
    photo = session.get(AssetPhoto, _asset_photo(session, world.members["owner"], asset, {}, utcnow()))
    session.commit()
    world.ids["owned_photo_row"] = {c.name: getattr(photo, c.name) for c in AssetPhoto.__table__.columns}
    return photo.id


def _restore_photo(session, world) -> None:
    """Both the owner and a coordinator may remove the photo: the one who comes second finds it again."""
    from sqlalchemy import select

    from fleet.models import AssetPhoto

    row = world.ids["owned_photo_row"]
    session.expire_all()
    if session.scalar(select(AssetPhoto.id).where(AssetPhoto.id == row["id"])) is None:
        session.add(AssetPhoto(**row))
        session.commit()


OWNED_PHOTO_IDS = {"asset_id": ("owned_asset_id", _owned_asset), "photo_id": ("owned_photo_id", _owned_photo)}
OTHER_IDS.update(dict.fromkeys(("api.add_asset_photo", "api.delete_asset_photo", "owners.add_photo",
                                "owners.remove_photo"), OWNED_PHOTO_IDS))
BEFORE_EACH_ROLE = {"api.delete_asset_photo": _restore_photo, "owners.remove_photo": _restore_photo}
# prices: estimates are as public as the catalogue; a charge is its member's; tariffs, adjustments and other
# members' statements are for coordinators
EXPECTATIONS.update({
    "prices.estimate": PUBLIC, "prices.charge_detail": MEMBER_OWNED, "prices.adjust": COORDINATOR,
    "prices.member_statement": COORDINATOR, "manage.remove_tariff": COORDINATOR,
    "api.asset_price": MEMBERS, "api.get_one_tariff": MEMBERS, "api.update_tariff": COORDINATOR,
    "api.remove_tariff": COORDINATOR, "api.get_one_charge": MEMBER_OWNED, "api.adjust_one_charge": COORDINATOR,
})



# members' own items (build_world's owner lists one): a route naming a booking or a damage report takes the
# item's (the other member's booking of it, waiting for the owner; a report on that loan).
def _owned_booking(session, world) -> int:
    return world.ids["owned_booking_id"]


def _owned_report(session, world) -> int:
    return world.ids["owned_report_id"]


OWNED_IDS = {"booking_id": ("owned_booking_id", _owned_booking), "report_id": ("owned_report_id", _owned_report)}
# Only the owner says when their things are available: coordinators are told no (403), others see nothing.
OWNER_ACTS = {"anon": AUTH, "other": NOT_FOUND, "owner": OK, "coordinator": FORBIDDEN}
# The borrower ("other" here) and the owner confirm a handover; disputing damage is for the owner, the
# borrower and the reporter, while coordinators settle disputes instead of raising them.
PARTIES = {"anon": AUTH, "other": OK, "owner": OK, "coordinator": NOT_FOUND}
OWNED_ROUTES = {
    "owners.confirm_handover": MEMBERS, "owners.dispute": PARTIES, "api.dispute_damage": PARTIES,
    "owners.item": MEMBER_OWNED, "owners.withdraw": MEMBER_OWNED, "owners.decide": MEMBER_OWNED,
    "owners.update_terms": OWNER_ACTS, "owners.set_windows": OWNER_ACTS, "owners.add_exception": OWNER_ACTS,
    "owners.remove_exception": OWNER_ACTS,
    "api.get_owned_item": MEMBER_OWNED, "api.list_borrowings": MEMBER_OWNED,
    "api.list_future_bookings": MEMBER_OWNED, "api.withdraw_owned_item": MEMBER_OWNED,
    "api.owner_approve_booking": MEMBER_OWNED, "api.owner_reject_booking": MEMBER_OWNED,
    "api.update_owned_item_terms": OWNER_ACTS, "api.set_owned_item_windows": OWNER_ACTS,
    "api.create_availability_exception": OWNER_ACTS, "api.delete_availability_exception": OWNER_ACTS,
}
EXPECTATIONS.update(OWNED_ROUTES)
for _endpoint in OWNED_ROUTES:
    OTHER_IDS[_endpoint] = OWNED_IDS
# who may book what: qualifications and their grants are coordinators' business; a member sees their own
# qualifications on the account page and through /api/v1/me/eligibility, which take no id; any member may see
# what a category requires
EXPECTATIONS.update(dict.fromkeys((
    "manage.approve_account", "manage.edit_qualification", "manage.category_eligibility", "manage.revoke_grant",
    "api.get_qualification", "api.update_qualification", "api.revoke_grant", "api.approve_account",
    "api.set_category_eligibility"), COORDINATOR))
EXPECTATIONS["api.get_category_eligibility"] = MEMBERS
# pools: a member reads the pools they belong to; their coordinators (and the administrator) change them and who
# belongs to them
EXPECTATIONS.update({"api.get_pool": MEMBERS, "api.update_pool": COORDINATOR, "api.list_pool_members": COORDINATOR,
                     "api.set_pool_membership": COORDINATOR, "api.remove_pool_membership": COORDINATOR,
                     "manage.pool": COORDINATOR, "manage.set_pool_membership": COORDINATOR,
                     "manage.remove_pool_membership": COORDINATOR, "manage.edit_pool": COORDINATOR,
                     "manage.add_pool_member": COORDINATOR})

# federation: partner installations are the installation administrator's business (no pool's coordinator, so none
# of these roles); a member books a partner's item (the form is refused on its merits without a time range) and
# sees or cancels only their own bookings at partners
ADMIN_ONLY = {"anon": AUTH, "other": FORBIDDEN, "owner": FORBIDDEN, "coordinator": FORBIDDEN}
EXPECTATIONS.update({
    "api.get_partner": ADMIN_ONLY, "api.revoke_partner": ADMIN_ONLY, "manage.revoke_partner": ADMIN_ONLY,
    "remote.book": MEMBERS, "remote.cancel": PERSONAL, "api.cancel_remote_booking": PERSONAL,
})

# Query strings some GETs need to get past input validation (authorisation comes first anyway).
QUERY = {"api.availability": {"from": "2030-01-01T00:00:00Z", "until": "2030-01-02T00:00:00Z"},
         "api.asset_price": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}}


def id_rules(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(conv, (IntegerConverter, IdConverter)) for conv in rule._converters.values()):
            rules.append(rule)
    return sorted(rules, key=lambda r: (r.endpoint, r.rule))


def _rule_cases():
    from app import create_app

    probe = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return [pytest.param(rule.endpoint, rule.rule, id=f"{rule.endpoint}:{rule.rule}") for rule in id_rules(probe)]


RULE_CASES = _rule_cases()


def test_every_id_route_is_classified(app):
    endpoints = {rule.endpoint for rule in id_rules(app)}
    unclassified = sorted(endpoints - EXPECTATIONS.keys())
    assert not unclassified, (f"New id-taking endpoints need a reviewed row in EXPECTATIONS "
                              f"(tests/security/test_access_matrix.py): {unclassified}")
    # (rows for endpoints that are gone are harmless and are not an error: parallel branches add and remove)
    assert len(RULE_CASES) >= 40


def _call(client, method: str, path: str, token: str | None, endpoint: str):
    is_api = path.startswith("/api/")
    headers = {"Authorization": f"Bearer {token}"} if is_api and token else {}
    kwargs = {"headers": headers, "query_string": QUERY.get(endpoint)}
    if method in ("POST", "PATCH", "PUT"):
        if is_api:
            kwargs["json"] = {}
        else:
            kwargs["data"] = {}
    return client.open(path, method=method, **kwargs)


def _verdict(response, is_api: bool):
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login" in location:
        return AUTH
    if is_api and response.status_code == 401:
        return AUTH
    if response.status_code in (401, 403, 404):
        return response.status_code
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    return OK


@pytest.mark.parametrize("endpoint, rule_text", RULE_CASES)
def test_access_as_each_role(app, session, make, endpoint, rule_text):
    expected = EXPECTATIONS.get(endpoint)
    if expected is None:
        pytest.fail(f"{endpoint} has no expectation: classify it in EXPECTATIONS")
    world = build_world(session, make)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and r.endpoint == endpoint)
    for name, (_key, maker) in OTHER_IDS.get(endpoint, {}).items():
        world.ids[name] = maker(session, world)
    values = {name: world.ids[name] for name in rule.arguments if name in world.ids}
    missing = set(rule._converters) - values.keys()
    assert not missing, f"build_world has no object for {missing}: add one"
    path = rule_text  # not url_for: endpoints with two rules (retire/unretire) must call this one
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<id:{name}>", str(value))
    is_api = path.startswith("/api/")
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: m != "GET")  # reads first
    client = app.test_client()
    failures = []
    for role in ROLES:
        member = world.members.get(role)
        if member is not None:
            session.refresh(member)
        act_as(client, member)
        if endpoint in BEFORE_EACH_ROLE:
            BEFORE_EACH_ROLE[endpoint](session, world)
        for method in methods:
            response = _call(client, method, path, world.tokens.get(role), endpoint)
            got = _verdict(response, is_api)
            if got != expected[role]:
                failures.append(f"{method} {path} as {role}: expected {expected[role]}, got {got} "
                                f"({response.status_code})")
    assert not failures, "\n".join(failures)


# lending agreements between pools: the coordinators of either pool (fleet/booking/lending_agreements.py)
AGREEMENT_ROUTES = ("manage.accept_agreement", "manage.end_agreement", "api.get_agreement", "api.accept_agreement",
                    "api.end_agreement")
# (build_world's agreement is a partner pool's offer to the world's pool, which its coordinator may accept or end)
EXPECTATIONS.update(dict.fromkeys(AGREEMENT_ROUTES, COORDINATOR))
