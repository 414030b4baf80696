"""Pools are walled off from each other, generated from the URL map like the access matrix.

build_world fills pool A (the default pool) with one object of every kind. Pool B's coordinator and a member of
pool B call every id-taking route with pool A's ids, with each method, on the web (session) and in the API
(token): none may succeed. The only successes allowed are the reads of pool A's public catalogue (PUBLIC_READS:
any visitor, logged in or not, may read a public pool's catalogue and its prices). Then every listing without an
id (manage pages, API lists, dashboards) is read as pool B's coordinator: none shows a name of pool A.
"""
from __future__ import annotations

import pytest

from fleet.core.db import utcnow
from fleet.members.tokens import issue_token
from fleet.models import Role
from tests.security.conftest import act_as, build_world
from tests.security.test_access_matrix import (
    BEFORE_EACH_ROLE, OK, OTHER_IDS, QUERY, RULE_CASES, _call, _verdict,
)

MARK = "PoolAmark"
TEXT = {key: f"{MARK} {key}" for key in (
    "hub.name", "category.name", "asset.name", "member.name", "proposal.title", "qualification.name",
    "maintenance.reason", "request.note", "booking.note", "photo.alt_text", "comment.body")}
# Pool A's people, whose names and addresses pool B's coordinator must not see either.
POOL_A_PEOPLE = ("Otto Other", "Cora Coordinator", "owner@example.org", "other@example.org", "coord@example.org")

# A public pool's catalogue is readable by anybody (the asset page, its photos, its price estimate, the API's
# catalogue reads): reads only, never a change.
PUBLIC_READS = {
    "catalogue.asset_page", "catalogue.asset_photo", "prices.estimate", "api.asset", "api.availability", "api.hub",
    "api.category", "api.asset_price", "api.get_one_tariff", "api.get_category_eligibility",
    "governance.decision", "api.get_decision",  # the public record of decisions
}
# Not a pool's object: the sign-up link's token; a partner installation's item, which the installation's agreement
# offers to every member of every pool here.
NOT_POOLED = {"auth.confirm_signup", "remote.book"}


def _pool_b(session, make) -> dict:
    pool = make.pool("pool-b", name="Pool B")
    coordinator = make.member(Role.coordinator, pool=pool, email="coord-b@example.org", name="Bea Coordinator")
    member = make.member(pool=pool, email="member-b@example.org", name="Ben Member")
    now = utcnow()
    tokens = {"coordinator_b": issue_token(session, coordinator, "b", now)[0],
              "member_b": issue_token(session, member, "b", now)[0]}
    session.commit()
    return {"members": {"coordinator_b": coordinator, "member_b": member}, "tokens": tokens, "pool": pool}


@pytest.mark.parametrize("endpoint, rule_text", RULE_CASES)
def test_pool_b_cannot_touch_pool_a_objects(app, session, make, endpoint, rule_text):
    world = build_world(session, make, text=TEXT)
    b = _pool_b(session, make)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text and r.endpoint == endpoint)
    if endpoint in NOT_POOLED:
        pytest.skip("the route's argument is not an object of a pool (a sign-up token, a partner installation's item)")
    for name, (_key, maker) in OTHER_IDS.get(endpoint, {}).items():
        world.ids[name] = maker(session, world)
    values = {name: world.ids[name] for name in rule.arguments if name in world.ids}
    path = rule_text
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<id:{name}>", str(value))
    is_api = path.startswith("/api/")
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: m != "GET")
    client = app.test_client()
    successes = []
    for role, member in b["members"].items():
        session.refresh(member)
        act_as(client, member)
        if endpoint in BEFORE_EACH_ROLE:
            BEFORE_EACH_ROLE[endpoint](session, world)
        for method in methods:
            if endpoint in PUBLIC_READS and method == "GET":
                continue
            response = _call(client, method, path, b["tokens"][role], endpoint)
            if _verdict(response, is_api) == OK:
                successes.append(f"{method} {path} as {role}: {response.status_code}")
    assert not successes, "pool B reached pool A's object:\n" + "\n".join(successes)


def _listing_rules(app) -> list:
    """GET pages and API lists without arguments that a coordinator reads."""
    prefixes = ("/manage", "/api/v1", "/proposals", "/pool", "/stats", "/owners", "/prices", "/costs")
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.rule.startswith(prefixes):
            rules.append(rule.rule)
    return sorted(set(rules))


def test_pool_b_coordinator_lists_nothing_of_pool_a(app, session, make):
    build_world(session, make, text=TEXT)
    make.pool().public = False  # so that the public pages (open book, decisions, figures) must leave it out too
    b = _pool_b(session, make)
    client = app.test_client()
    coordinator = b["members"]["coordinator_b"]
    act_as(client, coordinator)
    leaks, read = [], 0
    for path in _listing_rules(app):
        is_api = path.startswith("/api/")
        headers = {"Authorization": f"Bearer {b['tokens']['coordinator_b']}"} if is_api else {}
        response = client.get(path, headers=headers, query_string=QUERY.get(path))
        if response.status_code != 200:
            continue
        read += 1
        body = response.get_data(as_text=True)
        found = [word for word in (MARK, *POOL_A_PEOPLE) if word in body]
        if found:
            leaks.append(f"{path}: {found}")
    assert read >= 30, f"only {read} listings answered 200"
    assert not leaks, "pool B's coordinator sees pool A's:\n" + "\n".join(leaks)
