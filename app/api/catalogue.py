"""Reading the catalogue: hubs, categories, assets (date-range-first, nearest first), availability."""
from __future__ import annotations

from datetime import timedelta

from flask import jsonify, request

from app.api import bp
from app.api import serialise as out
from app.api.auth import actor
from app.autocommit_reads import reads_only
from app.api.input import datetime_arg, float_arg, int_arg, near_arg, page_args
from app.extensions import db
from fleet.members.pools import visible_pool_ids
from fleet.catalogue.assets import get_asset
from fleet.booking.availability import AssetQuery, free_intervals
from fleet.federation.remote_search import RemoteHit, search_with_partners
from fleet.federation.search_scope import search_scope
from fleet.catalogue.asset_types import requested_types
from fleet.catalogue.capabilities import coerce_requirements
from fleet.catalogue.categories import get_category, list_categories
from fleet.core.errors import NotFound, ValidationFailed
from fleet.catalogue.hubs import get_hub, list_hubs
from fleet.core.db import utcnow
from fleet.models import AssetStatus

MAX_AVAILABILITY_DAYS = 92


def _paged(items: list[dict]):
    page, per_page = page_args()
    return out.page(items[(page - 1) * per_page: page * per_page], page, per_page, len(items))


@bp.get("/hubs")
def hubs():
    return _paged([out.hub(h) for h in list_hubs(db.session, pool_ids=visible_pool_ids(db.session, actor()))])


@bp.get("/hubs/<id:hub_id>")
def hub(hub_id: int):
    return jsonify(out.hub(get_hub(db.session, hub_id)))


@bp.get("/categories")
def categories():
    return _paged([out.category(c) for c in list_categories(db.session,
                                                           pool_ids=visible_pool_ids(db.session, actor()))])


@bp.get("/categories/<id:category_id>")
def category(category_id: int):
    return jsonify(out.category(get_category(db.session, category_id)))


def _infer_requirements(raw: dict[str, str]) -> dict:
    """Without a category the capability types are read from the values: true/false, numbers, else text."""
    schema = {}
    for name, text in raw.items():
        lowered = text.strip().lower()
        if lowered in ("true", "false", "yes", "no"):
            schema[name] = "bool"
        else:
            try:
                float(text)
                schema[name] = "number"
            except ValueError:
                schema[name] = "text"
    return coerce_requirements(schema, raw)


def _search_point() -> tuple[float, float] | None:
    """`near=lat,lon`, or `lat` and `lon` apart; a bad point is refused, never searched without."""
    if request.args.get("lat") is None and request.args.get("lon") is None:
        return near_arg()
    if request.args.get("near") is not None:
        raise ValidationFailed("Give near or lat and lon, not both.", field="near")
    lat, lon = float_arg("lat", -90, 90), float_arg("lon", -180, 180)
    if lat is None or lon is None:
        raise ValidationFailed("Give both lat and lon.", field="lat" if lat is None else "lon")
    return lat, lon


@bp.get("/assets")
@reads_only
def assets():
    query = AssetQuery(category_id=int_arg("category"), hub_id=int_arg("hub"), near=_search_point(),
                       max_distance_km=float_arg("radius_km", 0.001, 40000),
                       available_from=datetime_arg("available_from"), available_until=datetime_arg("available_until"))
    scope = search_scope(db.session, actor())
    query.pool_ids, query.borrowed = scope.pool_ids, scope.borrowed
    raw_caps = {k[4:]: v for k, v in request.args.items() if k.startswith("cap_") and v != ""}
    if query.category_id is not None:
        try:
            schema = get_category(db.session, query.category_id).capability_schema or {}
        except NotFound:
            raise ValidationFailed("No such category.", field="category") from None
        query.requires = coerce_requirements(schema, raw_caps)
        query.types = tuple(requested_types(db.session, get_category(db.session, query.category_id),
                                            request.args.getlist("type"), field="type"))
    else:
        if request.args.getlist("type"):
            raise ValidationFailed("Asking for a type needs a category.", field="type")
        query.requires = _infer_requirements(raw_caps)
    page, per_page = page_args()
    found = search_with_partners(db.session, query, offset=(page - 1) * per_page, limit=per_page, now=utcnow(),
                                 partners=scope.partners)
    return out.page([out.remote_item(h.item, h.distance_km) if isinstance(h, RemoteHit)
                     else out.asset(h.asset, h.distance_km, via_agreement=h.via_agreement) for h in found.hits],
                    page, per_page, found.total)


@bp.get("/assets/<id:asset_id>")
def asset(asset_id: int):
    found = get_asset(db.session, asset_id)
    return jsonify(out.asset(found))


@bp.get("/assets/<id:asset_id>/availability")
def availability(asset_id: int):
    found = get_asset(db.session, asset_id)
    start, end = datetime_arg("from"), datetime_arg("until")
    if start is None or end is None:
        raise ValidationFailed("Give 'from' and 'until' (RFC 3339 with an offset).", field="from" if start is None else "until")
    if end <= start:
        raise ValidationFailed("'until' must be after 'from'.", field="until")
    if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        raise ValidationFailed("Ask for at most %(days)s days at a time.", field="until", days=MAX_AVAILABILITY_DAYS)
    free = [] if found.status != AssetStatus.active else free_intervals(db.session, found.id, start, end)
    return jsonify({"asset_id": found.id, "from": out.rfc3339(start), "until": out.rfc3339(end),
                    "free": [{"start": out.rfc3339(s), "end": out.rfc3339(e)} for s, e in free]})
