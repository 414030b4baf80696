"""The GBFS feed: every file is valid against MobilityData's official JSON schemas, and what it says
(vehicles, counts now, future free windows) matches the database."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from sqlalchemy import select

from fleet.feeds import gbfs
from fleet.booking.availability import busy_intervals, free_intervals
from fleet.models import Asset, AssetStatus, BookingStatus, CategoryKind, MaintenanceWindow, Role
from fleet.core.opening_hours import parse_opening_hours

# Vendored, unchanged, from MobilityData/gbfs-json-schema (see the README there).
SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "gbfs-json-schema"
FILES = {
    "gbfs": "v3.0", "system_information": "v3.0", "vehicle_types": "v3.0", "station_information": "v3.0",
    "station_status": "v3.0", "vehicle_availability": "v3.1-RC3", "system_pricing_plans": "v3.0",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and (parts.scheme not in ("http", "https") or bool(parts.netloc)) and " " not in value


def format_checker() -> jsonschema.FormatChecker:
    """jsonschema checks date-time and uri only with optional packages; check them here, strictly."""
    checker = jsonschema.FormatChecker()
    checker.checks("date-time", raises=ValueError)(_date_time)
    checker.checks("uri")(_uri)
    return checker


def schema_for(name: str) -> dict:
    path = SCHEMAS / FILES[name] / f"{name}.json"
    if not path.exists():
        pytest.fail(f"GBFS schema {path} is missing: the schemas ship with the repository, in {SCHEMAS}")
    return json.loads(path.read_text())


def validate(name: str, document: dict) -> None:
    schema = schema_for(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema, format_checker=format_checker()).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors)


def fetch(client, name: str) -> dict:
    response = client.get(f"/gbfs/{name}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def fleet_world(make, session):
    """Vehicles in every state that matters, each car with its own range so that (station, type) names it."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    station = make.hub(name="Mobility station", address="Jutfaseweg 2, 3522 HR Utrecht", lat=52.0794213,
                       lon=5.1269512, opening_hours="24/7")
    library = make.hub(name="Library", address="Neude 11", lat=52.09297, lon=5.1193,
                       opening_hours="Mon-Fri 08:00-18:00; Sat 09:00-13:00, 14:00-17:00")
    gone = make.hub(name="Closed hub", retired=True)
    cars = make.category(name="Cars", capability_schema={"seats": "number", "towbar": "bool", "range_km": "number",
                                                         "fuel": "text"})
    cargo = make.category(name="Cargo bikes", max_advance_days=3,
                          capability_schema={"payload_kg": "number", "electric": "bool", "child_seats": "number"})
    bikes = make.category(name="Bicycles", capability_schema={"electric": "bool", "gears": "number"})
    trailers = make.category(name="Trailers", capability_schema={"payload_kg": "number"})
    farm = make.category(name="Farm machinery", kind=CategoryKind.machine, capability_schema={"power_hp": "number"})
    old_cars = make.category(name="Old cars", retired=True)

    def car(name, km, hub=station, **kw):
        return make.asset(cars, hub, name=name, capabilities={"seats": 5, "towbar": False, "range_km": km,
                                                                  "fuel": "electric"}, **kw)

    a = dict(
        free=car("Free car", 300),
        booked_now=car("Booked now", 301),
        pending_now=car("Pending now", 302),
        maintained_now=car("Maintenance window now", 303),
        in_maintenance=car("Status maintenance", 304, status=AssetStatus.maintenance),
        tomorrow=car("Booked tomorrow", 305),
        cancelled_now=car("Cancelled now", 306),
        retired=car("Retired car", 307, status=AssetStatus.retired),
        diesel=make.asset(cars, station, name="Pick-up", capabilities={"seats": 5, "range_km": 700, "fuel": "diesel"}),
        cargo=make.asset(cargo, library, name="Urban Arrow",
                         capabilities={"payload_kg": 125, "electric": True, "child_seats": 2}),
        bike=make.asset(bikes, library, name="City bike", capabilities={"electric": False, "gears": 7}),
        trailer=make.asset(trailers, station, name="Box trailer", capabilities={"payload_kg": 500}),
        tractor=make.asset(farm, station, name="Tractor", capabilities={"power_hp": 45}),
        gone_hub_car=car("Car at a closed hub", 308, hub=gone),
        old_category_car=make.asset(old_cars, station, name="Car of a retired category"),
    )
    member = make.member(email="rider@example.org")
    make.booking(a["booked_now"], member, now - timedelta(hours=1), now + timedelta(hours=2))
    make.booking(a["pending_now"], member, now - timedelta(minutes=5), now + timedelta(hours=1), BookingStatus.pending)
    make.booking(a["tomorrow"], member, now + timedelta(days=1), now + timedelta(days=1, hours=3))
    make.booking(a["tomorrow"], member, now + timedelta(days=2), now + timedelta(days=2, hours=1))
    make.booking(a["tomorrow"], member, now + timedelta(days=2, hours=1), now + timedelta(days=2, hours=4))
    make.booking(a["tomorrow"], member, now + timedelta(days=9), now + timedelta(days=9, hours=4))  # beyond 7 days
    make.booking(a["cancelled_now"], member, now - timedelta(hours=1), now + timedelta(hours=1),
                 BookingStatus.cancelled)
    make.booking(a["free"], member, now - timedelta(days=2), now - timedelta(days=1), BookingStatus.completed)
    make.booking(a["cargo"], member, now + timedelta(hours=5), now + timedelta(hours=8))
    make.booking(a["cargo"], member, now + timedelta(days=2, hours=20), now + timedelta(days=4))  # past its horizon
    session.add_all([
        MaintenanceWindow(asset_id=a["maintained_now"].id, start_at=now - timedelta(hours=3),
                          end_at=now + timedelta(hours=3)),
        MaintenanceWindow(asset_id=a["tomorrow"].id, start_at=now + timedelta(days=3),
                          end_at=now + timedelta(days=3, hours=6)),
    ])
    session.commit()
    return dict(now=now, station=station, library=library, gone=gone, assets=a, member=member)


FEED_ASSETS = {"free", "booked_now", "pending_now", "maintained_now", "in_maintenance", "tomorrow",
               "cancelled_now", "diesel", "cargo", "bike"}


# --- schemas --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(FILES))
def test_every_file_is_valid_against_the_official_schema(client, fleet_world, name):
    document = fetch(client, name)
    validate(name, document)
    assert document["version"] == ("3.1-RC3" if name == "vehicle_availability" else "3.0")


@pytest.mark.parametrize("name", list(FILES))
def test_every_file_is_valid_with_an_empty_pool(client, session, name):
    validate(name, fetch(client, name))


def test_the_schema_checks_are_real():
    """The validator used above rejects what it must, so a passing test means something."""
    with pytest.raises(AssertionError):
        validate("station_status", {"last_updated": "2026-01-01 10:00", "ttl": 0, "version": "3.0",
                                    "data": {"stations": []}})
    with pytest.raises(AssertionError):
        validate("gbfs", {"last_updated": "2026-01-01T10:00:00Z", "ttl": 0, "version": "3.0",
                          "data": {"feeds": [{"name": "system_information", "url": "/relative"},
                                             {"name": "station_status", "url": "https://x.org/s"}]}})
    with pytest.raises(AssertionError):
        validate("vehicle_types", {"last_updated": "2026-01-01T10:00:00Z", "ttl": 0, "version": "3.0",
                                   "data": {"vehicle_types": [{"vehicle_type_id": "e", "form_factor": "car",
                                                               "propulsion_type": "electric"}]}})


def test_discovery_lists_absolute_urls_that_work(client, fleet_world):
    document = fetch(client, "gbfs")
    feeds = {f["name"]: f["url"] for f in document["data"]["feeds"]}
    assert set(feeds) == {"system_information", "vehicle_types", "station_information", "station_status",
                          "system_pricing_plans"}
    for url in feeds.values():
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc
        assert client.get(parts.path).status_code == 200
    assert client.get("/gbfs/vehicle_availability.json").status_code == 200


def test_responses_are_json_with_ttl_and_rfc3339_timestamps(client, fleet_world):
    for name in FILES:
        response = client.get(f"/gbfs/{name}.json")
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        document = response.get_json()
        assert isinstance(document["ttl"], int) and document["ttl"] >= 0
        updated = instant(document["last_updated"])
        assert abs(updated - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert fetch(client, "station_status")["ttl"] == 0


def test_system_information(client, app, fleet_world):
    data = fetch(client, "system_information")["data"]
    assert data["system_id"] == "commonpool"
    assert data["languages"] == ["en"]
    assert data["name"] == [{"text": "Commonpool", "language": "en"}]
    assert data["timezone"] == app.config["DEFAULT_TIMEZONE"]
    assert data["opening_hours"] == "24/7"
    assert "@" in data["feed_contact_email"]


def test_system_information_reads_config(client, app, session, monkeypatch):
    monkeypatch.setitem(app.config, "GBFS_SYSTEM_ID", "commonpool_utrecht")
    monkeypatch.setitem(app.config, "GBFS_FEED_CONTACT_EMAIL", "feeds@pool.example")
    monkeypatch.setitem(app.config, "GBFS_LICENSE_ID", "ODbL-1.0")
    monkeypatch.setitem(app.config, "GBFS_LICENSE_URL", "https://pool.example/licence")
    document = fetch(client, "system_information")
    validate("system_information", document)
    data = document["data"]
    assert data["system_id"] == "commonpool_utrecht"
    assert data["feed_contact_email"] == "feeds@pool.example"
    assert data["license_id"] == "ODbL-1.0" and "license_url" not in data


# --- which vehicles -------------------------------------------------------------------------------------------

def test_only_vehicles_that_are_cars_cargo_bikes_or_bicycles_and_not_retired(client, fleet_world):
    a = fleet_world["assets"]
    stations = fetch(client, "station_information")["data"]["stations"]
    assert [s["station_id"] for s in stations] == [str(fleet_world["library"].id), str(fleet_world["station"].id)]
    kept = {s["station_id"]: s["capacity"] for s in stations}
    assert kept == {str(fleet_world["station"].id): 8, str(fleet_world["library"].id): 2}
    vehicles = fetch(client, "vehicle_availability")["data"]["vehicles"]
    assert len(vehicles) == len(FEED_ASSETS) == 10
    types = {t["vehicle_type_id"] for t in fetch(client, "vehicle_types")["data"]["vehicle_types"]}
    assert {v["vehicle_type_id"] for v in vehicles} == types
    assert not any("307km" in t or "308km" in t for t in types)  # the retired car, the car at a closed hub
    assert {str(a[name].id) for name in FEED_ASSETS}.isdisjoint({v["vehicle_id"] for v in vehicles})


def test_vehicle_types(client, fleet_world):
    document = fetch(client, "vehicle_types")
    types = {t["vehicle_type_id"]: t for t in document["data"]["vehicle_types"]}
    free_car = types["car-electric-5p-300km"]
    assert free_car["form_factor"] == "car" and free_car["propulsion_type"] == "electric"
    assert free_car["max_range_meters"] == 300_000 and free_car["rider_capacity"] == 5
    assert free_car["return_constraint"] == "roundtrip_station"
    assert types["car-combustion_diesel-5p-700km"]["max_range_meters"] == 700_000
    cargo = [t for t in types.values() if t["form_factor"] == "cargo_bicycle"]
    assert len(cargo) == 1
    assert cargo[0]["propulsion_type"] == "electric_assist" and cargo[0]["cargo_load_capacity"] == 125
    assert cargo[0]["rider_capacity"] == 3 and cargo[0]["max_range_meters"] > 0
    bike = [t for t in types.values() if t["form_factor"] == "bicycle"]
    assert len(bike) == 1 and bike[0]["propulsion_type"] == "human" and "max_range_meters" not in bike[0]
    for t in types.values():
        assert t["name"][0]["language"] == "en" and t["name"][0]["text"]


def test_the_mapping_of_categories_is_configurable(client, app, fleet_world, monkeypatch):
    monkeypatch.setitem(app.config, "GBFS_FORM_FACTORS", {**gbfs.DEFAULT_FORM_FACTORS, "Trailers": "other"})
    vehicles = fetch(client, "vehicle_availability")["data"]["vehicles"]
    assert len(vehicles) == len(FEED_ASSETS) + 1
    document = fetch(client, "vehicle_types")
    validate("vehicle_types", document)
    assert "other" in {t["form_factor"] for t in document["data"]["vehicle_types"]}


def test_propulsion_rules():
    assert gbfs.propulsion_for("car", {"fuel": "Diesel"}) == "combustion_diesel"
    assert gbfs.propulsion_for("car", {"fuel": "hybrid"}) == "hybrid"
    assert gbfs.propulsion_for("car", {"fuel": "plug-in hybrid"}) == "plug_in_hybrid"
    assert gbfs.propulsion_for("car", {"fuel": "petrol"}) == "combustion"
    assert gbfs.propulsion_for("car", {"electric": True}) == "electric"
    assert gbfs.propulsion_for("car", {}) == "combustion"
    assert gbfs.propulsion_for("cargo_bicycle", {"electric": True}) == "electric_assist"
    assert gbfs.propulsion_for("bicycle", {"electric": False}) == "human"
    assert gbfs.propulsion_for("bicycle", {"propulsion": "electric"}) == "electric"
    motorised = gbfs.vehicle_type_for("bicycle", {"electric": True}, gbfs.DEFAULT_RANGE_KM)
    assert motorised.max_range_meters == gbfs.DEFAULT_RANGE_KM["bicycle"] * 1000
    weird = gbfs.vehicle_type_for("car", {"seats": True, "range_km": float("nan"), "payload_kg": -3},
                                  gbfs.DEFAULT_RANGE_KM)
    assert weird.rider_capacity is None and weird.cargo_load_capacity is None and weird.max_range_meters > 0
    for km in (42.5, 1_000_000.25, 300):
        vehicle_type = gbfs.vehicle_type_for("car", {"seats": 4, "range_km": km, "fuel": "electric"}, {})
        assert re.fullmatch(r"[A-Za-z0-9.@:/_-]+", vehicle_type.id)  # the ID characters the spec recommends
        assert vehicle_type.max_range_meters == km * 1000


# --- counts now -----------------------------------------------------------------------------------------------

def expected_counts(session, names: dict[str, Asset], now: datetime) -> dict[int, tuple[int, int]]:
    """Per hub: (available, disabled), straight from the database and fleet.booking.availability."""
    counts: dict[int, list[int]] = {}
    for name in FEED_ASSETS:
        asset = names[name]
        session.refresh(asset)
        busy = busy_intervals(session, asset.id, now, now + timedelta(seconds=1))
        booked = any(kind == "booked" for *_, kind in busy)
        maintained = asset.status == AssetStatus.maintenance or any(kind == "maintenance" for *_, kind in busy)
        slot = counts.setdefault(asset.hub_id, [0, 0])
        if not booked:
            slot[1 if maintained else 0] += 1
    return {hub_id: tuple(v) for hub_id, v in counts.items()}


def test_station_status_counts_match_the_database(client, session, fleet_world):
    document = fetch(client, "station_status")
    now = instant(document["last_updated"])
    stations = {int(s["station_id"]): s for s in document["data"]["stations"]}
    expected = expected_counts(session, fleet_world["assets"], now)
    assert set(stations) == set(expected)
    for hub_id, (available, disabled) in expected.items():
        station = stations[hub_id]
        assert station["num_vehicles_available"] == available
        assert station["num_vehicles_disabled"] == disabled
        assert sum(t["count"] for t in station["vehicle_types_available"]) == available
        assert station["is_installed"] is True
    # Spelled out: free, booked tomorrow and the cancelled one are available; the booked, pending and both
    # maintained cars are not; two are disabled (maintenance), two are out on a booking.
    station = stations[fleet_world["station"].id]
    assert (station["num_vehicles_available"], station["num_vehicles_disabled"]) == (4, 2)
    by_type = {t["vehicle_type_id"]: t["count"] for t in station["vehicle_types_available"]}
    assert by_type["car-electric-5p-300km"] == 1        # free
    assert by_type["car-electric-5p-301km"] == 0        # booked now
    assert by_type["car-electric-5p-302km"] == 0        # pending booking now
    assert by_type["car-electric-5p-303km"] == 0        # maintenance window now
    assert by_type["car-electric-5p-304km"] == 0        # status maintenance
    assert by_type["car-electric-5p-305km"] == 1        # booked only tomorrow
    assert by_type["car-electric-5p-306km"] == 1        # its booking was cancelled
    assert by_type["car-combustion_diesel-5p-700km"] == 1
    assert station["is_renting"] is True and station["is_returning"] is True  # the hub is open 24/7


def test_a_booking_made_now_changes_the_count(client, make, session, fleet_world):
    before = {s["station_id"]: s["num_vehicles_available"] for s in fetch(client, "station_status")["data"]["stations"]}
    now = datetime.now(timezone.utc)
    make.booking(fleet_world["assets"]["free"], fleet_world["member"], now - timedelta(minutes=1),
                 now + timedelta(hours=1))
    session.commit()
    after = {s["station_id"]: s["num_vehicles_available"] for s in fetch(client, "station_status")["data"]["stations"]}
    station_id = str(fleet_world["station"].id)
    assert after[station_id] == before[station_id] - 1


def test_a_closed_station_does_not_rent_but_still_counts(session, fleet_world):
    # A Sunday at noon in Amsterdam: the library (Mon-Sat) is closed.
    sunday = datetime(2031, 6, 1, 10, 0, tzinfo=timezone.utc)
    settings = gbfs.GbfsSettings(feed_contact_email="f@example.org")
    stations = {s["station_id"]: s for s in gbfs.station_status(session, settings, sunday)["data"]["stations"]}
    library = stations[str(fleet_world["library"].id)]
    assert library["is_renting"] is False and library["is_returning"] is False
    assert library["num_vehicles_available"] == 2
    monday = datetime(2031, 6, 2, 10, 0, tzinfo=timezone.utc)
    stations = {s["station_id"]: s for s in gbfs.station_status(session, settings, monday)["data"]["stations"]}
    assert stations[str(fleet_world["library"].id)]["is_renting"] is True


def test_station_information(client, fleet_world):
    stations = {s["station_id"]: s for s in fetch(client, "station_information")["data"]["stations"]}
    hub = fleet_world["station"]
    station = stations[str(hub.id)]
    assert station["name"] == [{"text": hub.name, "language": "en"}]
    assert (station["lat"], station["lon"]) == (52.079421, 5.126951)
    assert station["address"] == hub.address
    assert station["station_opening_hours"] == "24/7"
    assert station["is_virtual_station"] is True
    assert sum(c["count"] for c in station["vehicle_types_capacity"]) == station["capacity"]
    assert station["rental_uris"]["web"].startswith("http://localhost/assets?hub=")
    library = stations[str(fleet_world["library"].id)]
    assert library["station_opening_hours"] == "Mo-Fr 08:00-18:00; Sa 09:00-13:00,14:00-17:00"


@pytest.mark.parametrize("text, osm", [
    ("24/7", "24/7"),
    ("Mon-Fri 08:00-18:00", "Mo-Fr 08:00-18:00"),
    ("Mon 09:00-12:00; Wed 09:00-12:00; Sun 10:00-24:00", "Mo 09:00-12:00; We 09:00-12:00; Su 10:00-24:00"),
    ("Sat-Mon 10:00-16:00", "Mo 10:00-16:00; Sa-Su 10:00-16:00"),
    ("Mon-Sun 07:00-09:00, 17:00-19:00", "Mo-Su 07:00-09:00,17:00-19:00"),
])
def test_opening_hours_in_osm_syntax(text, osm):
    assert gbfs.osm_opening_hours(parse_opening_hours(text)) == osm


# --- future free windows --------------------------------------------------------------------------------------

def test_vehicle_availability_windows_are_the_free_intervals(client, session, fleet_world):
    document = fetch(client, "vehicle_availability")
    now = instant(document["last_updated"])
    types = {t["vehicle_type_id"]: t for t in fetch(client, "vehicle_types")["data"]["vehicle_types"]}
    by_place = {(v["station_id"], v["vehicle_type_id"]): v for v in document["data"]["vehicles"]}
    assert len(by_place) == len(document["data"]["vehicles"])  # each vehicle is recognisable in this world
    seen = set()
    for name in FEED_ASSETS:
        asset = session.get(Asset, fleet_world["assets"][name].id)
        matches = [v for (station_id, type_id), v in by_place.items()
                   if station_id == str(asset.hub_id) and types[type_id]["form_factor"] in ("car", "cargo_bicycle",
                                                                                          "bicycle")
                   and _type_fits(types[type_id], asset)]
        assert len(matches) == 1, name
        vehicle = matches[0]
        seen.add(vehicle["vehicle_id"])
        windows = [(instant(w["from"]), instant(w["until"])) for w in vehicle["availabilities"]]
        if asset.status == AssetStatus.maintenance:
            assert windows == []
            continue
        horizon = now + timedelta(days=min(7, asset.category.max_advance_days))
        assert windows == free_intervals(session, asset.id, now, horizon), name
    assert len(seen) == len(FEED_ASSETS)


def _type_fits(vehicle_type: dict, asset: Asset) -> bool:
    caps = asset.capabilities
    if "range_km" in caps:
        return vehicle_type.get("max_range_meters") == caps["range_km"] * 1000
    if "payload_kg" in caps:
        return vehicle_type.get("cargo_load_capacity") == caps["payload_kg"]
    return vehicle_type["form_factor"] == "bicycle"


def test_windows_spelled_out(session, fleet_world):
    now = fleet_world["now"]
    settings = gbfs.GbfsSettings(feed_contact_email="f@example.org", vehicle_id_key=b"k")
    vehicles = gbfs.vehicle_availability(session, settings, now)["data"]["vehicles"]
    by_type = {v["vehicle_type_id"]: v["availabilities"] for v in vehicles}
    z = gbfs.rfc3339
    assert by_type["car-electric-5p-300km"] == [{"from": z(now), "until": z(now + timedelta(days=7))}]
    assert by_type["car-electric-5p-301km"] == [{"from": z(now + timedelta(hours=2)),
                                                 "until": z(now + timedelta(days=7))}]
    # back-to-back bookings leave no gap; the maintenance on day 3 is busy too; day 9 is beyond the horizon
    assert by_type["car-electric-5p-305km"] == [
        {"from": z(now), "until": z(now + timedelta(days=1))},
        {"from": z(now + timedelta(days=1, hours=3)), "until": z(now + timedelta(days=2))},
        {"from": z(now + timedelta(days=2, hours=4)), "until": z(now + timedelta(days=3))},
        {"from": z(now + timedelta(days=3, hours=6)), "until": z(now + timedelta(days=7))},
    ]
    assert by_type["car-electric-5p-304km"] == []  # in maintenance: cannot be booked
    # cargo bikes are booked at most 3 days ahead: the feed says nothing beyond that
    assert by_type["cargo_bicycle-electric_assist-3p-40km-125kg"] == [
        {"from": z(now), "until": z(now + timedelta(hours=5))},
        {"from": z(now + timedelta(hours=8)), "until": z(now + timedelta(days=2, hours=20))},
    ]


def test_vehicle_ids_are_not_database_ids_and_change_once_per_trip(session, fleet_world):
    settings = gbfs.GbfsSettings(feed_contact_email="f@example.org", vehicle_id_key=b"secret")
    now = fleet_world["now"]
    tomorrow_car = "car-electric-5p-305km"

    def vehicle_id(at: datetime) -> str:
        vehicles = gbfs.vehicle_availability(session, settings, at)["data"]["vehicles"]
        return next(v["vehicle_id"] for v in vehicles if v["vehicle_type_id"] == tomorrow_car)

    first = vehicle_id(now)
    assert first == vehicle_id(now + timedelta(hours=12))  # no trip started in between
    assert first != str(fleet_world["assets"]["tomorrow"].id)
    during_trip = vehicle_id(now + timedelta(days=1, minutes=1))
    assert during_trip != first
    assert during_trip == vehicle_id(now + timedelta(days=1, hours=5))  # the trip is over, no new one yet
    other_key = gbfs.GbfsSettings(feed_contact_email="f@example.org", vehicle_id_key=b"other")
    assert gbfs.vehicle_availability(session, other_key, now)["data"]["vehicles"][0]["vehicle_id"] != \
        gbfs.vehicle_availability(session, settings, now)["data"]["vehicles"][0]["vehicle_id"]


def test_gbfs_is_public_and_read_only(client, session, fleet_world):
    assert client.post("/gbfs/station_status.json").status_code == 405
    assert client.get("/gbfs/nothing.json").status_code == 404
    assert client.get("/gbfs/station_status.json").status_code == 200  # no login needed


def test_vehicle_types_and_pricing_plans_carry_the_real_tariffs(client, make, session, fleet_world):
    from fleet.catalogue.tariffs import set_tariff
    from fleet.models import Category

    coordinator = make.member(Role.coordinator)
    cars = session.scalar(select(Category).where(Category.name == "Cars"))
    car_tariff = set_tariff(session, coordinator, {"currency": "EUR", "per_hour_minor": 250, "per_km_minor": 18,
                                                   "per_day_minor": 2500, "deposit_minor": 10000},
                            datetime.now(timezone.utc), category_id=cars.id)
    diesel = fleet_world["assets"]["diesel"]
    own = set_tariff(session, coordinator, {"currency": "EUR", "per_hour_minor": 300}, datetime.now(timezone.utc),
                     asset_id=diesel.id)
    session.commit()
    plans_doc = fetch(client, "system_pricing_plans")
    validate("system_pricing_plans", plans_doc)
    plans = {p["plan_id"]: p for p in plans_doc["data"]["plans"]}
    assert set(plans) == {f"tariff-{car_tariff.id}", f"tariff-{own.id}"}
    car_plan = plans[f"tariff-{car_tariff.id}"]
    assert car_plan["currency"] == "EUR" and car_plan["price"] == 0
    assert car_plan["per_min_pricing"] == [{"start": 0, "rate": 2.5, "interval": 60}]
    assert car_plan["per_km_pricing"] == [{"start": 0, "rate": 0.18, "interval": 1}]
    assert "25.00 EUR per day" in car_plan["description"][0]["text"]
    types_doc = fetch(client, "vehicle_types")
    validate("vehicle_types", types_doc)
    types = {t["vehicle_type_id"]: t for t in types_doc["data"]["vehicle_types"]}
    assert types["car-electric-5p-300km"]["default_pricing_plan_id"] == f"tariff-{car_tariff.id}"
    assert types["car-combustion_diesel-5p-700km"]["pricing_plan_ids"] == [f"tariff-{own.id}"]
    assert all("pricing_plan_ids" not in t for t in types.values() if t["form_factor"] != "car")


def test_a_pool_that_is_not_public_is_not_in_the_feed(client, session, make, fleet_world):
    private = make.pool("members-only", name="Members only", public=False)
    hub = make.hub(name="Private garage", pool=private)
    make.asset(make.category(name="Cars", pool=private), hub, name="Private car",
               capabilities={"seats": 5, "range_km": 999})
    session.commit()
    stations = fetch(client, "station_information")["data"]["stations"]
    assert str(hub.id) not in {s["station_id"] for s in stations}
    assert len(fetch(client, "vehicle_availability")["data"]["vehicles"]) == len(FEED_ASSETS)
    assert not any("999km" in t["vehicle_type_id"] for t in fetch(client, "vehicle_types")["data"]["vehicle_types"])
