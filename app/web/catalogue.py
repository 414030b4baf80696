"""The catalogue: date-range-first search, nearest first, and an asset's page with its booking form."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.extensions import db
from app.forms import field_errors
from app.transaction import on_refusal
from app.web.prices import price_for_form
from app.web.search_params import parse_search
from fleet.catalogue.assets import get_asset
from fleet.booking.availability import busy_intervals, find_available_assets
from fleet.catalogue.asset_types import category_types
from fleet.catalogue.categories import get_category, list_categories
from fleet.catalogue.tariffs import TariffBook, terms_for
from fleet.core.db import utcnow
from fleet.core.errors import NotFound
from fleet.catalogue.hubs import list_hubs
from fleet.models import AssetStatus
from fleet.core.opening_hours import parse_opening_hours

bp = Blueprint("catalogue", __name__)


@bp.route("/")
@bp.route("/assets")
def search():
    member = current_user if current_user.is_authenticated else None
    on_refusal(lambda exc: _search_page([], {"zone": None, "category": _category_of(request.args)}, field_errors(exc),
                                        400), unless=())
    query, context = parse_search(db.session, request.args, member)
    hits = find_available_assets(db.session, query, now=utcnow())
    prices = {}
    if query.available_from is not None:
        book = TariffBook(db.session)
        prices = {hit.asset.id: book.estimate(hit.asset, query.available_from, query.available_until)
                  for hit in hits}
    return _search_page(hits, context, {}, 200, prices)


def _category_of(args):
    """The category a refused search was for, so its type and capability choices stay on the page."""
    try:
        return get_category(db.session, int(args.get("category", "")))
    except (ValueError, NotFound):
        return None


def _search_page(hits: list, context: dict, errors: dict, status: int, prices: dict | None = None):
    category = context["category"]
    return render_template("catalogue/search.html", hits=hits, categories=list_categories(db.session),
                           asset_types=category_types(db.session, category.id) if category else [],
                           hubs=list_hubs(db.session), args=request.args, errors=errors, zone=context["zone"],
                           category=context["category"], ranged=bool(request.args.get("from")),
                           prices=prices or {}), status


@bp.route("/assets/<int:asset_id>")
def asset_page(asset_id: int):
    asset = get_asset(db.session, asset_id)
    if asset.status == AssetStatus.retired and not (current_user.is_authenticated and current_user.is_coordinator):
        raise NotFound("No such asset.")
    now = utcnow()
    busy = busy_intervals(db.session, asset.id, now, now + timedelta(days=21))
    price, price_errors = price_for_form(asset, request.args)
    return render_template("catalogue/asset.html", asset=asset, busy=busy, errors={}, form=request.args,
                           hours=parse_opening_hours(asset.hub.opening_hours).describe(), price=price,
                           price_errors=price_errors, terms=terms_for(db.session, asset))
