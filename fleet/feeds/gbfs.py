"""The pool's vehicles as a station-based GBFS feed (v3.0, plus vehicle_availability from v3.1-RC3).

Which assets are in the feed (the vehicle rule):
- the category's kind is `vehicle` and its name maps to a GBFS form factor. The default mapping is
  {"cars": "car", "cargo bikes": "cargo_bicycle", "bicycles": "bicycle"}, matched case-insensitively on
  the category name; an operator can replace it (config `GBFS_FORM_FACTORS`). Vehicles that a trip planner
  cannot offer to a traveller, such as trailers (kind vehicle, but not in the mapping) and tractors (kind
  machine), are left out;
- the asset is not retired, and neither its category nor its hub is. Assets in maintenance are listed
  (as disabled at their station) so a planner sees them come back.

How an asset becomes a vehicle type: vehicles that share form factor, propulsion, range, rider capacity and
cargo capacity share a type, whose id spells those out (e.g. `car-electric-5p-300km`).
- propulsion: a `propulsion` capability holding a GBFS value wins; cars read `fuel` (electric, hybrid,
  plug-in hybrid, diesel, petrol, hydrogen ...), then the `electric` flag, else `combustion`; bicycles and
  cargo bikes are `electric_assist` when `electric` is true, else `human`;
- max_range_meters (required by the spec for anything with a motor): `range_km` x 1000, else a
  conservative default per form factor (config `GBFS_DEFAULT_RANGE_KM`);
- rider_capacity: a car's `seats`; a cargo bike's rider plus its `child_seats`; a bicycle's `seats` or 1;
- cargo_load_capacity from `payload_kg`, cargo_volume_capacity from `cargo_volume_l`, when present.

Stations are the hubs that keep at least one feed vehicle. They have no smart docks, so they are virtual
stations (`is_virtual_station`), without dock counts; every vehicle goes back to its own hub
(`return_constraint: roundtrip_station`). A station rents and takes returns while its hub is open.

Counts are "now": a vehicle is available when it is active, no holding booking (pending, confirmed,
checked out) covers now and no maintenance window covers now. Disabled are those in maintenance (status
or window) that are not out on a booking.

vehicle_availability lists each vehicle's free windows in [now, now + horizon), the horizon being the
feed's (7 days by default) or the category's booking horizon when shorter: exactly the complement of its
holding bookings and maintenance windows (see fleet.booking.availability.free_intervals). Vehicles in maintenance
have no windows. As the spec requires, `vehicle_id` is not the database id: it is an HMAC of the asset id
and the start of its latest trip, so it changes once per trip and cannot be followed from trip to trip.

Every builder returns a plain dict ready for JSON; nothing here knows about HTTP.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from fleet.catalogue.tariffs import TariffBook
from fleet.core.errors import ValidationFailed
from fleet.core.pricing import TariffTerms, figure
from fleet.core.intervals import free_between
from fleet.models.queries import holding_at, holding_during
from fleet.models import (
    HOLDING_STATUSES, Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, Hub, MaintenanceWindow, Pool,
)
from fleet.core.opening_hours import WeeklyHours, parse_opening_hours

VERSION = "3.0"
AVAILABILITY_VERSION = "3.1-RC3"
FORM_FACTORS = ("bicycle", "cargo_bicycle", "car", "moped", "scooter_standing", "scooter_seated", "other")
PROPULSIONS = ("human", "electric_assist", "electric", "combustion", "combustion_diesel", "hybrid",
               "plug_in_hybrid", "hydrogen_fuel_cell")

DEFAULT_FORM_FACTORS = {"cars": "car", "cargo bikes": "cargo_bicycle", "bicycles": "bicycle"}
# Used only for a motorised vehicle without `range_km`: a cautious figure, so nobody plans a trip it cannot do.
DEFAULT_RANGE_KM = {"car": 250, "cargo_bicycle": 40, "bicycle": 50, "moped": 50, "scooter_standing": 20,
                    "scooter_seated": 20, "other": 20}

FUEL_PROPULSION = {
    "electric": "electric", "ev": "electric", "bev": "electric", "battery": "electric",
    "hybrid": "hybrid", "hev": "hybrid",
    "plug-in hybrid": "plug_in_hybrid", "plug_in_hybrid": "plug_in_hybrid", "phev": "plug_in_hybrid",
    "diesel": "combustion_diesel",
    "petrol": "combustion", "gasoline": "combustion", "benzine": "combustion", "lpg": "combustion",
    "cng": "combustion", "ethanol": "combustion",
    "hydrogen": "hydrogen_fuel_cell", "fuel cell": "hydrogen_fuel_cell",
}
FORM_LABEL = {"car": "Car", "cargo_bicycle": "Cargo bike", "bicycle": "Bicycle", "moped": "Moped",
              "scooter_standing": "Kick scooter", "scooter_seated": "Seated scooter", "other": "Vehicle"}
PROPULSION_LABEL = {"human": "pedal", "electric_assist": "electric assist", "electric": "electric",
                    "combustion": "petrol", "combustion_diesel": "diesel", "hybrid": "hybrid",
                    "plug_in_hybrid": "plug-in hybrid", "hydrogen_fuel_cell": "hydrogen"}
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
TRIP_STATUSES = (*HOLDING_STATUSES, BookingStatus.completed)


@dataclass(frozen=True)
class GbfsSettings:
    """What the operator tells the feed about the system; the delivery layer fills it from config."""

    feed_contact_email: str
    system_id: str = "commonpool"
    name: str = "Commonpool"
    language: str = "en"
    timezone: str = "Europe/Amsterdam"
    opening_hours: str = "24/7"
    operator: str | None = None
    url: str | None = None
    email: str | None = None
    license_id: str | None = None
    license_url: str | None = None
    ttl: int = 300
    availability_days: int = 7
    form_factors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FORM_FACTORS))
    default_range_km: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RANGE_KM))
    vehicle_id_key: bytes = b""


@dataclass(frozen=True)
class VehicleType:
    id: str
    form_factor: str
    propulsion_type: str
    max_range_meters: float | None
    rider_capacity: int | None
    cargo_load_capacity: int | None
    cargo_volume_capacity: int | None
    name: str


@dataclass(frozen=True)
class FeedVehicle:
    asset: Asset
    vehicle_type: VehicleType


# --- helpers --------------------------------------------------------------------------------------------------

def rfc3339(instant: datetime) -> str:
    """An aware instant as RFC 3339 in UTC with 'Z'."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def localized(text: str, language: str) -> list[dict]:
    return [{"text": text, "language": language}]


def envelope(data: dict, now: datetime, ttl: int, version: str = VERSION) -> dict:
    return {"last_updated": rfc3339(now), "ttl": ttl, "version": version, "data": data}


def _count(value) -> int | None:
    """A non-negative whole number from a capability, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        return None
    if value == float("inf"):
        return None
    return int(value)


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value <= 0:
        return None
    if value == float("inf"):
        return None
    return float(value)


def _plain(number: float) -> str:
    """300.0 -> '300', 42.5 -> '42.5': no exponent, so it fits in an id."""
    return f"{number:.3f}".rstrip("0").rstrip(".")


def osm_opening_hours(hours: WeeklyHours) -> str:
    """Weekly hours in OpenStreetMap opening_hours syntax ("24/7", "Mo-Fr 08:00-18:00; Sa 09:00-13:00")."""
    if hours.always_open:
        return "24/7"
    rules, day = [], 0
    while day < 7:
        ranges = hours.days[day]
        last = day
        while last + 1 < 7 and hours.days[last + 1] == ranges:
            last += 1
        if ranges:
            days = OSM_DAYS[day] if last == day else f"{OSM_DAYS[day]}-{OSM_DAYS[last]}"
            times = ",".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)
            rules.append(f"{days} {times}")
        day = last + 1
    return "; ".join(rules) or "off"


def _hours(hub: Hub) -> WeeklyHours | None:
    try:
        return parse_opening_hours(hub.opening_hours)
    except ValidationFailed:
        return None


def _is_open(hub: Hub, now: datetime) -> bool:
    hours = _hours(hub)
    try:
        return hours is not None and hours.is_open_at(now, hub.timezone)
    except ValidationFailed:  # an unknown zone: do not claim the station is open
        return False


# --- the vehicle rule -----------------------------------------------------------------------------------------

def form_factor_for(category: Category, form_factors: dict[str, str]) -> str | None:
    """The GBFS form factor of a category's assets, or None when they stay out of the feed."""
    if category.kind != CategoryKind.vehicle:
        return None
    wanted = {k.strip().lower(): v for k, v in form_factors.items()}
    form = wanted.get(category.name.strip().lower())
    return form if form in FORM_FACTORS else None


def propulsion_for(form_factor: str, capabilities: dict) -> str:
    explicit = capabilities.get("propulsion")
    if isinstance(explicit, str) and explicit.strip().lower() in PROPULSIONS:
        return explicit.strip().lower()
    electric = capabilities.get("electric") is True
    if form_factor in ("bicycle", "cargo_bicycle"):
        return "electric_assist" if electric else "human"
    fuel = capabilities.get("fuel")
    if isinstance(fuel, str) and fuel.strip().lower() in FUEL_PROPULSION:
        return FUEL_PROPULSION[fuel.strip().lower()]
    return "electric" if electric else "combustion"


def vehicle_type_for(form_factor: str, capabilities: dict, default_range_km: dict[str, float]) -> VehicleType:
    propulsion = propulsion_for(form_factor, capabilities)
    range_km = None
    if propulsion != "human":
        range_km = _number(capabilities.get("range_km")) or float(default_range_km.get(form_factor, 20))
    if form_factor == "car":
        riders = _count(capabilities.get("seats"))
    elif form_factor == "cargo_bicycle":
        riders = 1 + (_count(capabilities.get("child_seats")) or 0)
    else:
        riders = _count(capabilities.get("seats")) or 1
    load = _count(capabilities.get("payload_kg"))
    volume = _count(capabilities.get("cargo_volume_l"))

    id_parts = [form_factor, propulsion]
    label = [FORM_LABEL[form_factor], PROPULSION_LABEL[propulsion]]
    if riders is not None:
        id_parts.append(f"{riders}p")
        if form_factor == "car":
            label.append(f"{riders} seats")
        elif form_factor == "cargo_bicycle" and riders > 1:
            label.append(f"rider and {riders - 1} {'child' if riders == 2 else 'children'}")
        elif riders > 1:
            label.append(f"{riders} riders")
    if range_km is not None:
        id_parts.append(f"{_plain(range_km)}km")
        label.append(f"{_plain(range_km)} km range")
    if load is not None:
        id_parts.append(f"{load}kg")
        label.append(f"{load} kg load")
    if volume is not None:
        id_parts.append(f"{volume}l")
        label.append(f"{volume} l cargo space")
    return VehicleType(
        id="-".join(id_parts), form_factor=form_factor, propulsion_type=propulsion,
        max_range_meters=None if range_km is None else range_km * 1000, rider_capacity=riders,
        cargo_load_capacity=load, cargo_volume_capacity=volume, name=", ".join(label),
    )


def feed_vehicles(session: Session, settings: GbfsSettings) -> list[FeedVehicle]:
    """The assets the feed publishes, each with its vehicle type, by hub then id."""
    assets = session.scalars(
        select(Asset)
        .join(Asset.category).join(Asset.hub)
        .where(Category.kind == CategoryKind.vehicle, Category.retired.is_(False), Hub.retired.is_(False),
               Asset.status != AssetStatus.retired,
               Category.pool_id.in_(select(Pool.id).where(Pool.public.is_(True))))  # only what public pools show
        .options(joinedload(Asset.category), joinedload(Asset.hub))
        .order_by(Asset.hub_id, Asset.id)
    ).unique()
    vehicles = []
    for asset in assets:
        form = form_factor_for(asset.category, settings.form_factors)
        if form is not None:
            vehicles.append(FeedVehicle(asset, vehicle_type_for(form, asset.capabilities or {},
                                                                settings.default_range_km)))
    return vehicles


def _types(vehicles: list[FeedVehicle]) -> list[VehicleType]:
    return sorted({v.vehicle_type for v in vehicles}, key=lambda t: t.id)


def _stations(vehicles: list[FeedVehicle]) -> list[tuple[Hub, list[FeedVehicle]]]:
    by_hub: dict[int, list[FeedVehicle]] = defaultdict(list)
    for v in vehicles:
        by_hub[v.asset.hub_id].append(v)
    hubs = sorted((group[0].asset.hub for group in by_hub.values()), key=lambda h: (h.name.lower(), h.id))
    return [(hub, by_hub[hub.id]) for hub in hubs]


def _type_counts(group: list[FeedVehicle], counted: set[int] | None = None) -> list[dict]:
    counts: dict[str, int] = {}
    for v in group:
        counts.setdefault(v.vehicle_type.id, 0)
        if counted is None or v.asset.id in counted:
            counts[v.vehicle_type.id] += 1
    return [{"vehicle_type_id": type_id, "count": n} for type_id, n in sorted(counts.items())]


# --- the documents --------------------------------------------------------------------------------------------

FEED_NAMES = ("system_information", "vehicle_types", "station_information", "station_status",
              "system_pricing_plans")


def discovery(feed_urls: dict[str, str], now: datetime, settings: GbfsSettings) -> dict:
    """gbfs.json: the v3.0 files with their absolute URLs (v3.0 has no name for vehicle_availability)."""
    feeds = [{"name": name, "url": feed_urls[name]} for name in FEED_NAMES if name in feed_urls]
    return envelope({"feeds": feeds}, now, settings.ttl)


def system_information(settings: GbfsSettings, now: datetime) -> dict:
    lang = settings.language
    data: dict = {
        "system_id": settings.system_id,
        "languages": [lang],
        "name": localized(settings.name, lang),
        "opening_hours": settings.opening_hours,
        "feed_contact_email": settings.feed_contact_email,
        "timezone": settings.timezone,
    }
    if settings.operator:
        data["operator"] = localized(settings.operator, lang)
    if settings.url:
        data["url"] = settings.url
    if settings.email:
        data["email"] = settings.email
    if settings.license_id:  # the spec forbids giving both; an SPDX id wins
        data["license_id"] = settings.license_id
    elif settings.license_url:
        data["license_url"] = settings.license_url
    return envelope(data, now, settings.ttl)


def plan_id(tariff_id: int) -> str:
    return f"tariff-{tariff_id}"


def _plans_by_type(session: Session, vehicles: list[FeedVehicle]) -> dict[str, list[int]]:
    """Per vehicle type, the tariffs of its vehicles, the most common first (the type's default plan)."""
    book, counts = TariffBook(session), defaultdict(lambda: defaultdict(int))
    for v in vehicles:
        tariff = book.tariff(v.asset)
        if tariff is not None:
            counts[v.vehicle_type.id][tariff.id] += 1
    return {type_id: sorted(ids, key=lambda i: (-ids[i], i)) for type_id, ids in counts.items()}


def vehicle_types(session: Session, settings: GbfsSettings, now: datetime) -> dict:
    types = []
    vehicles = feed_vehicles(session, settings)
    plans = _plans_by_type(session, vehicles)
    for t in _types(vehicles):
        item: dict = {"vehicle_type_id": t.id, "form_factor": t.form_factor, "propulsion_type": t.propulsion_type,
                      "name": localized(t.name, settings.language), "return_constraint": "roundtrip_station"}
        if t.max_range_meters is not None:
            item["max_range_meters"] = t.max_range_meters
        if t.rider_capacity is not None:
            item["rider_capacity"] = t.rider_capacity
        if t.cargo_load_capacity is not None:
            item["cargo_load_capacity"] = t.cargo_load_capacity
        if t.cargo_volume_capacity is not None:
            item["cargo_volume_capacity"] = t.cargo_volume_capacity
        if plans.get(t.id):
            item["default_pricing_plan_id"] = plan_id(plans[t.id][0])
            item["pricing_plan_ids"] = [plan_id(i) for i in sorted(plans[t.id])]
        types.append(item)
    return envelope({"vehicle_types": types}, now, settings.ttl)


def _rate(minor: int) -> float:
    """GBFS prices are JSON numbers in the currency's unit; the figure is exact in decimal (two places), and
    only this last step, for the feed, leaves integer minor units."""
    return float(figure(minor))


def pricing_plan(tariff_id: int, name: str, terms: TariffTerms, language: str) -> dict:
    """A tariff as a GBFS plan: no fare to start, the hour rate as a per-minute segment reapplied every 60
    minutes (Commonpool itself counts the time to the minute), the km rate per km; what GBFS has no field for (day rate, minimum, deposit, late and no-show fees) is
    in the description."""
    parts = []
    if terms.per_hour_minor is not None:
        parts.append(f"{figure(terms.per_hour_minor)} {terms.currency} per hour")
    if terms.per_day_minor is not None:
        parts.append(f"{figure(terms.per_day_minor)} {terms.currency} per day (at most per 24 hours)")
    if terms.per_km_minor is not None:
        parts.append(f"{figure(terms.per_km_minor)} {terms.currency} per km")
    if terms.minimum_minor:
        parts.append(f"minimum {figure(terms.minimum_minor)} {terms.currency}")
    if terms.deposit_minor:
        parts.append(f"deposit {figure(terms.deposit_minor)} {terms.currency}, returned after the trip")
    if terms.late_fee_per_hour_minor:
        parts.append(f"late return {figure(terms.late_fee_per_hour_minor)} {terms.currency} per hour after "
                     f"{terms.late_grace_minutes} minutes")
    if terms.no_show_fee_minor:
        parts.append(f"no-show {figure(terms.no_show_fee_minor)} {terms.currency}")
    plan: dict = {"plan_id": plan_id(tariff_id), "name": localized(name, language),
                  "currency": terms.currency, "price": 0.0, "is_taxable": False,
                  "description": localized("; ".join(parts) or "Free to use.", language)}
    if terms.per_hour_minor:
        plan["per_min_pricing"] = [{"start": 0, "rate": _rate(terms.per_hour_minor), "interval": 60}]
    if terms.per_km_minor:
        plan["per_km_pricing"] = [{"start": 0, "rate": _rate(terms.per_km_minor), "interval": 1}]
    return plan


def system_pricing_plans(session: Session, settings: GbfsSettings, now: datetime) -> dict:
    """The tariffs of the vehicles in the feed, one plan each (vehicle_types names them)."""
    book = TariffBook(session)
    tariffs = {}
    for v in feed_vehicles(session, settings):
        tariff = book.tariff(v.asset)
        if tariff is not None:
            tariffs[tariff.id] = tariff
    plans = [pricing_plan(t.id, t.category.name if t.category_id else t.asset.name, t.terms(), settings.language)
             for _, t in sorted(tariffs.items())]
    return envelope({"plans": plans}, now, settings.ttl)


def station_information(session: Session, settings: GbfsSettings, now: datetime,
                        station_url=None) -> dict:
    """Hubs that keep feed vehicles. `station_url(hub)` may give a web page to book there."""
    stations = []
    for hub, group in _stations(feed_vehicles(session, settings)):
        item: dict = {
            "station_id": str(hub.id),
            "name": localized(hub.name, settings.language),
            "lat": round(hub.lat, 6),
            "lon": round(hub.lon, 6),
            "is_virtual_station": True,
            "capacity": len(group),
            "vehicle_types_capacity": [{"vehicle_type_ids": [c["vehicle_type_id"]], "count": c["count"]}
                                       for c in _type_counts(group)],
        }
        if hub.address:
            item["address"] = hub.address
        hours = _hours(hub)
        if hours is not None:
            item["station_opening_hours"] = osm_opening_hours(hours)
        if station_url is not None:
            item["rental_uris"] = {"web": station_url(hub)}
        stations.append(item)
    return envelope({"stations": stations}, now, settings.ttl)


def _busy_now(session: Session, asset_ids: list[int], now: datetime) -> tuple[set[int], set[int]]:
    """(assets held by a booking at `now`, assets in a maintenance window at `now`)."""
    if not asset_ids:
        return set(), set()
    booked = set(session.scalars(select(Booking.asset_id).where(Booking.asset_id.in_(asset_ids), holding_at(now))))
    maintained = set(session.scalars(select(MaintenanceWindow.asset_id).where(
        MaintenanceWindow.asset_id.in_(asset_ids), MaintenanceWindow.start_at <= now,
        MaintenanceWindow.end_at > now)))
    return booked, maintained


def _classify(group: list[FeedVehicle], booked: set[int], maintained: set[int]) -> tuple[set[int], set[int]]:
    """(available, disabled) asset ids: a vehicle out on a booking is neither."""
    available, disabled = set(), set()
    for v in group:
        if v.asset.id in booked:
            continue
        if v.asset.status == AssetStatus.maintenance or v.asset.id in maintained:
            disabled.add(v.asset.id)
        else:
            available.add(v.asset.id)
    return available, disabled


def station_status(session: Session, settings: GbfsSettings, now: datetime) -> dict:
    vehicles = feed_vehicles(session, settings)
    booked, maintained = _busy_now(session, [v.asset.id for v in vehicles], now)
    stations = []
    for hub, group in _stations(vehicles):
        available, disabled = _classify(group, booked, maintained)
        is_open = _is_open(hub, now)
        stations.append({
            "station_id": str(hub.id),
            "num_vehicles_available": len(available),
            "vehicle_types_available": _type_counts(group, available),
            "num_vehicles_disabled": len(disabled),
            "is_installed": True,
            "is_renting": is_open,
            "is_returning": is_open,
            "last_reported": rfc3339(now),
        })
    return envelope({"stations": stations}, now, 0)


def public_vehicle_id(key: bytes, asset_id: int, last_trip_start: datetime | None) -> str:
    """An id that stays put between trips and changes when a new trip starts (GBFS privacy rule)."""
    marker = rfc3339(last_trip_start) if last_trip_start is not None else "-"
    return hmac.new(key, f"vehicle:{asset_id}:{marker}".encode(), hashlib.sha256).hexdigest()[:24]


def availability_horizon(asset: Asset, now: datetime, days: int) -> datetime:
    """Until when the feed tells: its own horizon, or the category's booking horizon when that is shorter."""
    return now + timedelta(days=min(days, asset.category.max_advance_days))


def vehicle_availability(session: Session, settings: GbfsSettings, now: datetime) -> dict:
    """v3.1-RC3 vehicle_availability.json: each vehicle's free windows from now to the horizon."""
    vehicles = feed_vehicles(session, settings)
    ids = [v.asset.id for v in vehicles]
    end = now + timedelta(days=settings.availability_days)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    last_trip: dict[int, datetime] = {}
    if ids:
        for asset_id, start, stop in session.execute(select(Booking.asset_id, Booking.start_at, Booking.end_at).where(
                Booking.asset_id.in_(ids), holding_during(now, end))):
            busy[asset_id].append((start, stop))
        for asset_id, start, stop in session.execute(
                select(MaintenanceWindow.asset_id, MaintenanceWindow.start_at, MaintenanceWindow.end_at).where(
                    MaintenanceWindow.asset_id.in_(ids), MaintenanceWindow.start_at < end,
                    MaintenanceWindow.end_at > now)):
            busy[asset_id].append((start, stop))
        last_trip = dict(session.execute(
            select(Booking.asset_id, func.max(Booking.start_at))
            .where(Booking.asset_id.in_(ids), Booking.status.in_(TRIP_STATUSES), Booking.start_at <= now)
            .group_by(Booking.asset_id)).all())

    items = []
    for v in vehicles:
        asset = v.asset
        windows = []
        if asset.status == AssetStatus.active:
            horizon = availability_horizon(asset, now, settings.availability_days)
            windows = [{"from": rfc3339(s), "until": rfc3339(e)}
                       for s, e in free_between(sorted(busy[asset.id]), now, horizon)]
        trip = last_trip.get(asset.id)
        if trip is not None and trip.tzinfo is None:  # an aggregate skips the column type on some drivers
            trip = trip.replace(tzinfo=timezone.utc)
        items.append({
            "vehicle_id": public_vehicle_id(settings.vehicle_id_key, asset.id, trip),
            "vehicle_type_id": v.vehicle_type.id,
            "station_id": str(asset.hub_id),
            "availabilities": windows,
        })
    return envelope({"vehicles": items}, now, 0, AVAILABILITY_VERSION)


__all__ = ["GbfsSettings", "VehicleType", "FeedVehicle", "feed_vehicles", "form_factor_for", "propulsion_for",
           "vehicle_type_for", "discovery", "system_information", "vehicle_types", "station_information",
           "system_pricing_plans",
           "station_status", "vehicle_availability", "public_vehicle_id", "osm_opening_hours",
           "rfc3339", "availability_horizon", "DEFAULT_FORM_FACTORS", "DEFAULT_RANGE_KM", "VERSION",
           "AVAILABILITY_VERSION"]
