"""The catalogue: date-range-first search, nearest first, and an asset's page with its booking form."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, get_template_attribute, render_template, request, url_for
from flask_login import current_user

from app.autocommit_reads import reads_only
from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.web.availability_view import availability_view
from app.web.prices import price_for_form
from app.web.search_params import SEARCH_KEYS, parse_search
from fleet.catalogue.assets import get_asset
from fleet.booking.owned_items import NOT_OFFERED
from fleet.booking.availability import busy_intervals
from fleet.federation.remote_search import MixedPage, RemoteHit, search_with_partners
from fleet.catalogue.asset_types import category_types
from fleet.catalogue.categories import get_category, list_categories
from fleet.catalogue.tariffs import TariffBook, terms_for
from fleet.booking.eligibility_rules import category_rules
from fleet.core.db import utcnow
from fleet.core.errors import NotFound
from fleet.catalogue.hubs import hub_choices
from fleet.booking.lending_agreements import lent_categories
from fleet.federation.search_scope import search_scope
from fleet.models import AssetStatus
from fleet.core.opening_hours import parse_opening_hours

bp = Blueprint("catalogue", __name__)
PAGE_SIZE = 20  # results per page of the search (as the API's default): the exact distance and a row for these


@bp.route("/")
@bp.route("/assets")
@reads_only
def search():
    member = current_user if current_user.is_authenticated else None
    on_refusal(lambda exc: _search_page(MixedPage([], 0), 1, {"zone": None, "category": _category_of(request.args)},
                                        field_errors(exc), 400), unless=())
    query, context = parse_search(db.session, request.args, member)
    page = _page_number(request.args)
    context.update(range_start=query.available_from, range_end=query.available_until)
    found = search_with_partners(db.session, query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, now=utcnow(),
                                 partners=context["scope"].partners)
    prices = {}
    if query.available_from is not None:  # the estimates of the page's assets only
        book = TariffBook(db.session)
        prices = {hit.asset.id: book.estimate(hit.asset, query.available_from, query.available_until)
                  for hit in found.hits if not isinstance(hit, RemoteHit)}
    return _search_page(found, page, context, {}, 200, prices)


def _reader():
    return current_user if current_user.is_authenticated else None


def _page_number(args) -> int:
    try:
        return min(max(int(args.get("page", "1")), 1), 100000)
    except ValueError:
        return 1


def _category_of(args):
    """The category a refused search was for, so its type and capability choices stay on the page."""
    try:
        return get_category(db.session, int(args.get("category", "")))
    except (ValueError, NotFound):
        return None


def _search_page(found: MixedPage, page: int, context: dict, errors: dict, status: int,
                 prices: dict | None = None):
    category = context["category"]
    pages = max(1, -(-found.total // PAGE_SIZE))
    # a member's pools (a visitor's: the public ones), and the categories they borrow through agreements
    scope = context.get("scope") or search_scope(db.session, _reader())
    visible, borrowed = scope.pool_ids, scope.borrowed
    return render_template("catalogue/search.html", hits=found.hits, total=found.total, page=page, pages=pages,
                           page_args={k: request.args.getlist(k) for k in request.args if k != "page"},
                           categories=list_categories(db.session, pool_ids=visible, names_only=True)
                           + lent_categories(borrowed),
                           several_pools=len(visible) > 1 or bool(borrowed),
                           photos={hit.asset.id: hit.asset.photos[0] for hit in found.hits
                                   if not isinstance(hit, RemoteHit) and hit.asset.photos},
                           asset_types=category_types(db.session, category.id) if category else [],
                           hubs=hub_choices(db.session, pool_ids=visible),
                           args=request.args, errors=errors, zone=context["zone"],
                           category=context["category"], ranged=bool(request.args.get("from")),
                           pick_args={key: request.args.getlist(key) for key in SEARCH_KEYS
                                      if request.args.get(key)},
                           asset_link=_asset_link(request.args),
                           prices=prices or {}, price_texts=_price_texts(prices or {}),
                           range_start=_iso(context.get("range_start")),
                           range_end=_iso(context.get("range_end"))), status


def _price_texts(prices: dict) -> dict:
    """{asset id: the price as the results table shows it}, rendered once per distinct estimate: the assets of a
    category share one (fleet.catalogue.tariffs.TariffBook), so a page of twenty renders a handful."""
    price_text = get_template_attribute("costs/_price_macros.html", "price_text")
    rendered: dict[int, object] = {}
    return {asset_id: rendered[id(price)] if id(price) in rendered else rendered.setdefault(id(price), price_text(price))
            for asset_id, price in prices.items() if price}


_SOME_ID = 987654321


def _asset_link(args) -> tuple[str, str]:
    """What comes before and after the asset's id in every result's link (the searched range goes along to the
    asset's page), made by one url_for for the page rather than one per row."""
    link = url_for("catalogue.asset_page", asset_id=_SOME_ID, start=args.get("from", ""), end=args.get("until", ""))
    before, _, after = link.partition(str(_SOME_ID))
    return before, after


def _iso(instant) -> str:
    return instant.isoformat() if instant is not None else ""


@bp.route("/assets/<int:asset_id>")
def asset_page(asset_id: int):
    asset = get_asset(db.session, asset_id)
    if asset.status == AssetStatus.retired and not (current_user.is_authenticated and current_user.is_coordinator):
        raise NotFound("No such asset.")
    return render_asset(asset, {}, request.args, 200)


def render_asset(asset, errors: dict, form, status: int):
    """The asset's page: photos, what it is and how to use it, its availability grid and the booking form
    (`form` prefills it: a slot picked in the grid, or what a refused booking sent)."""
    now = utcnow()
    # The list under the grid names what is taken; the time a member's item is not offered is shaded in the grid
    # and said once above it, not repeated as dozens of lines.
    busy = [b for b in busy_intervals(db.session, asset.id, now, now + timedelta(days=21)) if b[2] != NOT_OFFERED]
    price, price_errors = price_for_form(asset, form)
    return render_template("catalogue/asset.html", asset=asset, busy=busy, errors=errors, form=form,
                           hours=parse_opening_hours(asset.hub.opening_hours).describe(), price=price,
                           price_errors={} if errors else price_errors, terms=terms_for(db.session, asset),
                           rules=category_rules(db.session, asset.category),
                           **availability_view(asset, request.args, now, focus=form.get("start"))), status
