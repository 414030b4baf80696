"""Turning the catalogue's query string into an AssetQuery, with field errors for bad values."""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from app.forms import optional_float, optional_int
from fleet.catalogue.asset_types import requested_types
from fleet.catalogue.capabilities import coerce_requirements
from fleet.booking.availability import AssetQuery
from fleet.catalogue.categories import get_category
from fleet.core.errors import NotFound, ValidationFailed
from fleet.catalogue.hubs import get_hub
from fleet.core.localtime import parse_local
from fleet.models import Member
from fleet.federation.search_scope import search_scope


def search_zone(session: Session, hub_id: int | None) -> str:
    """Wall-clock input is read in the chosen hub's zone, else the pool's default zone."""
    if hub_id is not None:
        return get_hub(session, hub_id).timezone
    return current_app.config["DEFAULT_TIMEZONE"]


NEAR_CHOICES = ("home", "hub", "map", "point", "none")
# The search values a detour over the map (to pick the point) carries there and back.
SEARCH_KEYS = ("from", "until", "category", "hub", "q", "max_km", "type")


def _distance_from(session: Session, args, member: Member | None) -> tuple[float, float] | None:
    """Where distances are measured from: my home, a hub, a point picked on the map, or another place given
    by its coordinates ("point"); "none" sorts by name."""
    typed_point = bool((args.get("lat") or "").strip() or (args.get("lon") or "").strip())
    near_mode = args.get("near") or ("point" if typed_point else "home")
    if near_mode not in NEAR_CHOICES:
        raise ValidationFailed("Choose where to measure the distance from.", field="near")
    if near_mode == "hub":
        hub_id = optional_int(args, "near_hub")
        if hub_id is None:
            raise ValidationFailed("Choose the hub to measure the distance from.", field="near_hub")
        try:
            hub = get_hub(session, hub_id)
        except NotFound:
            raise ValidationFailed("Choose the hub to measure the distance from.", field="near_hub") from None
        return (hub.lat, hub.lon)
    if near_mode == "map" and not typed_point:
        raise ValidationFailed("Pick a point on the map first.", field="near")
    if near_mode in ("map", "point"):
        return _point(args)
    if near_mode == "home" and member is not None and member.home is not None:
        return member.home
    return None


def parse_search(session: Session, args, member: Member | None) -> tuple[AssetQuery, dict]:
    """Return the query and the values to put back into the form (and the reader's SearchScope)."""
    query = AssetQuery()
    query.category_id = optional_int(args, "category")
    query.hub_id = optional_int(args, "hub")
    try:
        category = get_category(session, query.category_id) if query.category_id is not None else None
        if query.hub_id is not None:
            get_hub(session, query.hub_id)
    except NotFound as exc:
        raise ValidationFailed(exc.template, field="category" if "category" in exc.message else "hub", **exc.params) from None
    query.text = (args.get("q") or "").strip()[:100]
    scope = search_scope(session, member)
    query.pool_ids, query.borrowed = scope.pool_ids, scope.borrowed
    zone_name = search_zone(session, query.hub_id)
    if (args.get("from") or "").strip() or (args.get("until") or "").strip():
        query.available_from = parse_local(args.get("from", ""), zone_name, field="from")
        query.available_until = parse_local(args.get("until", ""), zone_name, field="until")
    query.near = _distance_from(session, args, member)
    query.max_distance_km = optional_float(args, "max_km")
    if query.max_distance_km is not None and query.max_distance_km <= 0:
        raise ValidationFailed("The distance must be more than 0 km.", field="max_km")
    if category is not None:
        raw = {name: args.get(f"cap_{name}") for name in category.capability_schema if args.get(f"cap_{name}")}
        query.requires = coerce_requirements(category.capability_schema, raw)
        query.types = tuple(requested_types(session, category, args.getlist("type"), field="type"))
    return query, {"zone": zone_name, "category": category, "scope": scope}


def _point(args) -> tuple[float, float]:
    """The search point typed as latitude and longitude; each bad value is refused beside its own field."""
    lat = optional_float(args, "lat")
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationFailed("The latitude must be between -90 and 90.", field="lat")
    lon = optional_float(args, "lon")
    if lon is not None and not -180 <= lon <= 180:
        raise ValidationFailed("The longitude must be between -180 and 180.", field="lon")
    if lat is None or lon is None:
        raise ValidationFailed("Enter both latitude and longitude for the search point.",
                               field="lat" if lat is None else "lon")
    return lat, lon
