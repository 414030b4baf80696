"""A search answers in the same number of statements for a page of one asset as for a page of twenty: nothing
is loaded per row (photos, owned items and their windows come in one query each for the whole page). And in few:
the API search in five (token, the reader's scope, the light rows, the owned items' times, the page), the search
page in seven (scope, light rows, owned items, page, tariffs, and the form's categories and hubs); the partners'
items are not asked for while no partner is active. SQLite adds its BEGIN."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fleet.models import AssetPhoto, AvailabilityWindow, OwnedItem
from tests.helpers import at, each_statement

pytestmark = pytest.mark.db


def counted(engine):
    return each_statement(engine, lambda _conn, statement: statement)


@pytest.fixture
def shelf(make, session, people):
    """Twenty-four assets at one hub, each with two photos; every third is a member's own item offered all week."""
    hub = make.hub(name="Shed", lat=52.1, lon=5.1)
    category = make.category(name="Tools")
    for n in range(24):
        asset = make.asset(category, hub, name=f"Tool {n:02d}")
        for p in range(2):
            session.add(AssetPhoto(asset_id=asset.id, file_name=f"f{n}-{p}.jpg", thumb_name=f"t{n}-{p}.jpg",
                                   position=p))
        if n % 3 == 0:
            item = OwnedItem(asset_id=asset.id, owner_id=people["other"].id, timezone="Europe/Amsterdam")
            session.add(item)
            session.flush()
            session.add_all(AvailabilityWindow(owned_item_id=item.id, weekday=d, start_minute=0, end_minute=1440)
                            for d in range(7))
    session.commit()
    return category


API_SEARCH_STATEMENTS = 5
SEARCH_PAGE_STATEMENTS = 7


def _begin(engine) -> int:
    return 1 if engine.dialect.name == "sqlite" else 0


def _api_search(api, engine, per_page: int) -> tuple[list[str], int]:
    start = at(days=3, hour=10)
    query = {"available_from": start.isoformat(), "available_until": (start + timedelta(hours=2)).isoformat(),
             "near": "52.09,5.12", "per_page": per_page}
    with counted(engine) as seen:
        resp = api.get("/assets", query_string=query)
    assert resp.status_code == 200, resp.data[:300]
    items = resp.get_json()["items"]
    assert all(len(item["photos"]) == 2 for item in items)
    return seen, len(items)


def _statements(api, engine, per_page: int) -> tuple[int, int]:
    seen, shown = _api_search(api, engine, per_page)
    return len(seen), shown


def test_a_longer_page_of_the_api_search_costs_no_more_statements(api, shelf):
    from app.extensions import db

    _statements(api, db.engine, 1)  # the token's first use is recorded once
    few, shown_few = _statements(api, db.engine, 1)
    many, shown_many = _statements(api, db.engine, 20)
    assert (shown_few, shown_many) == (1, 20)
    assert many == few, (few, many)


def test_the_api_search_runs_five_statements(api, shelf):
    from app.extensions import db

    _statements(api, db.engine, 20)  # the token's first use is recorded once
    seen, shown = _api_search(api, db.engine, 20)
    assert shown == 20
    assert len(seen) <= API_SEARCH_STATEMENTS + _begin(db.engine), seen
    assert not [s for s in seen if "remote_item" in s], "no partner is active: their items need no query"


def test_the_api_search_asks_for_partners_items_while_one_is_active(api, shelf, session, people):
    from app.extensions import db
    from fleet.models import Partner

    session.add(Partner(name="Next village", base_url="https://next.example.org", key_id="k1", public_key="p" * 43,
                        member_id=people["other"].id))
    session.commit()
    _statements(api, db.engine, 20)
    seen, _shown = _api_search(api, db.engine, 20)
    assert [s for s in seen if "remote_item" in s]


def test_the_search_page_runs_seven_statements(client, shelf):
    from app.extensions import db

    start = at(days=3, hour=10)
    query = {"q": "Tool", "from": start.strftime("%Y-%m-%dT%H:%M"),
             "until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    client.get("/assets", query_string=query)
    with counted(db.engine) as seen:
        resp = client.get("/assets", query_string=query)
    assert resp.status_code == 200
    assert resp.data.count(b"Tool ") >= 20
    assert len(seen) <= SEARCH_PAGE_STATEMENTS + _begin(db.engine), seen


def test_a_longer_page_of_the_search_page_costs_no_more_statements(client, shelf):
    from app.extensions import db

    start = at(days=3, hour=10)
    counts = []
    # The first request warms the session; then one hit (a member's own item, as some of the full page are), a page.
    for text in ("Tool 00", "Tool 00", "Tool"):  # one hit, then a full page of them
        query = {"q": text, "from": start.strftime("%Y-%m-%dT%H:%M"),
                 "until": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
        with counted(db.engine) as seen:
            resp = client.get("/assets", query_string=query)
        assert resp.status_code == 200
        assert resp.data.count(b"Tool ") >= (1 if text == "Tool 00" else 20)
        counts.append(len(seen))
    assert counts[1] == counts[2]
