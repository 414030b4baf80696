"""A demo community for an empty database: a pool in Utrecht with hubs, a catalogue, members and bookings.

`load_demo(session, now)` fills the database so that a newcomer sees a living pool: three months of past
bookings and a month of upcoming ones around `now`, shaped by weekday, time of day and season, and every
booking obeying the rules a member would meet (category durations, hub opening hours, no overlaps, notice).
It only flushes; the caller commits.

The same seed and the same `now` give the same rows, except the secrets that must never be predictable:
the salted password hashes and the per-member session tokens.
"""
from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.governance import applying, closing, comments, proposals, votes
from fleet.members.accounts import hash_password
from fleet.members.pools import default_pool
from fleet.core.errors import ValidationFailed
from fleet.core.localtime import localize, zone
from fleet.models import (
    HOLDING_STATUSES, Asset, AssetStatus, Booking, BookingStatus, Category, CategoryKind, CategoryLimits,
    CategoryQualification, FlexibleRequest, Hub, MaintenanceWindow, Member, MeterUnit, Qualification,
    PoolMembership, PoolRole, QualificationGrant, RequestStatus, Role,
)
from fleet.core.opening_hours import WeeklyHours, parse_opening_hours
from fleet.demo_money import load_demo_money
from fleet.owners.demo_items import OwnedDemo, load_demo_owned_items

# Every demo account's password, printed by `flask demo load` and on the login page of a demo: public on purpose.
# It would fail the password policy (it is built from the site's name), and that policy is for passwords people
# choose. The loader writes the hash directly, as it writes every other demo row, so it bypasses the policy; the
# loader only runs into an empty database, and a member who changes it must choose one that passes.
DEMO_PASSWORD = "commonpool-demo"
DEMO_DOMAIN = "demo.commonpool.org"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
COORDINATOR_EMAIL = f"coordinator@{DEMO_DOMAIN}"
MEMBER_EMAIL = f"member@{DEMO_DOMAIN}"
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", ADMIN_EMAIL, DEMO_PASSWORD),
    ("coordinator", COORDINATOR_EMAIL, DEMO_PASSWORD),
    ("member", MEMBER_EMAIL, DEMO_PASSWORD),
]

TOWN_ZONE = "Europe/Amsterdam"
TOWN_CENTRE = (52.0907, 5.1214)  # Utrecht, Domplein
MEMBER_COUNT = 200
PAST_DAYS = 91
FUTURE_DAYS = 30
SLOT = timedelta(minutes=30)
DESIGNS_URL = f"https://designs.{DEMO_DOMAIN}"


@dataclass
class DemoResult:
    """What `load_demo` did. The counts are the rows this call added: all zero when `created` is False."""

    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=lambda: list(DEMO_LOGINS))
    hubs: int = 0
    categories: int = 0
    assets: int = 0
    members: int = 0
    bookings: int = 0
    maintenance_windows: int = 0
    reason: str = ""


# --- The town --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _HubSpec:
    key: str
    name: str
    address: str
    lat: float
    lon: float
    opening_hours: str


HUBS = [
    _HubSpec("library", "Neude Library Hub", "Neude 11, 3512 AE Utrecht", 52.09297, 5.11930,
             "Mon-Fri 08:00-20:00; Sat 09:00-17:00"),
    _HubSpec("farm", "Amelisweerd Farm Hub", "Koningsweg 180, 3585 LA Utrecht", 52.07790, 5.16580,
             "Mon-Sat 07:00-19:00"),
    _HubSpec("station", "Vaartsche Rijn Mobility Station", "Jutfaseweg 2, 3522 HR Utrecht", 52.07942, 5.12695,
             "24/7"),
    _HubSpec("workshop", "Lombok Neighbourhood Workshop", "Kanaalstraat 110, 3531 CK Utrecht", 52.09151, 5.10060,
             "Tue-Fri 16:00-21:00; Sat 10:00-17:00; Sun 12:00-17:00"),
]


# --- The catalogue and how each category is used ----------------------------------------------------------

@dataclass(frozen=True)
class _Usage:
    """How members use a category: bookings per asset per day, when they pick up, for how long."""

    rate: float
    weekday_windows: tuple[tuple[int, int], ...]  # local pick-up windows in minutes after midnight
    weekend_windows: tuple[tuple[int, int], ...]
    same_day_slots: tuple[int, int]  # duration range in half hours
    multi_day_share: float
    max_days: int
    return_window: tuple[int, int]  # local return time for multi-day bookings
    weekday_factor: tuple[float, ...]  # Monday .. Sunday
    season: dict[int, float]  # month -> factor
    turnaround: timedelta = timedelta(0)


_FLAT = dict.fromkeys(range(1, 13), 1.0)
_MILD = {1: 0.75, 2: 0.8, 3: 0.9, 4: 1.0, 5: 1.1, 6: 1.15, 7: 1.1, 8: 1.0, 9: 1.05, 10: 0.95, 11: 0.85, 12: 0.8}
_GARDEN = {1: 0.35, 2: 0.45, 3: 0.9, 4: 1.25, 5: 1.35, 6: 1.25, 7: 1.1, 8: 1.0, 9: 1.05, 10: 1.0, 11: 0.6,
           12: 0.35}
_FARM = {1: 0.15, 2: 0.3, 3: 0.9, 4: 1.4, 5: 1.6, 6: 1.4, 7: 1.2, 8: 1.3, 9: 1.1, 10: 0.7, 11: 0.3, 12: 0.1}
_EVENINGS_WEEKENDS = (0.8, 0.8, 0.9, 1.0, 1.2, 1.8, 1.3)
_DRIVING = (0.85, 0.85, 0.9, 1.0, 1.25, 1.5, 1.35)
_WORKDAYS = (1.2, 1.1, 1.1, 1.1, 1.0, 0.9, 0.0)


def _h(hours: float) -> int:
    return int(hours * 60)


@dataclass(frozen=True)
class _CategorySpec:
    key: str
    name: str
    kind: CategoryKind
    description: str
    min_minutes: int
    max_minutes: int
    notice_minutes: int
    advance_days: int
    approval: bool
    schema: dict[str, str]
    usage: _Usage


CATEGORIES = [
    _CategorySpec(
        "power", "Power tools", CategoryKind.tool,
        "Drills, saws, sanders and grinders for home jobs. Batteries and a charger come with cordless tools.",
        60, 7 * 1440, 0, 60, False, {"power_w": "number", "cordless": "bool", "weight_kg": "number"},
        _Usage(0.2, ((_h(8), _h(9.5)), (_h(16.5), _h(19.5))), ((_h(9.5), _h(13)),), (4, 12), 0.35, 4,
               (_h(9), _h(19)), _EVENINGS_WEEKENDS, _MILD)),
    _CategorySpec(
        "garden", "Garden tools", CategoryKind.tool,
        "Mowers, trimmers, chainsaws and shredders. Chainsaws only for members who did the safety course.",
        60, 7 * 1440, 0, 60, False, {"power_w": "number", "fuel": "text", "cutting_width_cm": "number"},
        _Usage(0.2, ((_h(8), _h(9.5)), (_h(16.5), _h(19))), ((_h(8), _h(12)),), (4, 12), 0.45, 3,
               (_h(9), _h(19)), _EVENINGS_WEEKENDS, _GARDEN)),
    _CategorySpec(
        "workshop", "Workshop equipment", CategoryKind.tool,
        "Stationary machines used in the workshop during opening hours, after an induction by a volunteer.",
        60, 8 * 60, 0, 30, False, {"power_w": "number", "induction_required": "bool", "three_phase": "bool"},
        _Usage(0.3, ((_h(16), _h(19)),), ((_h(10), _h(15)),), (2, 8), 0.0, 0, (0, 0),
               (1.0, 1.0, 1.0, 1.0, 1.1, 1.5, 1.2), _FLAT)),
    _CategorySpec(
        "farm", "Farm machinery", CategoryKind.machine,
        "Tractors and implements for the allotments and the community farm. A coordinator approves each "
        "booking and checks that the driver holds a tractor licence (T).",
        4 * 60, 5 * 1440, 1440, 120, True,
        {"power_hp": "number", "working_width_m": "number", "pto_required": "bool", "hitch": "text"},
        _Usage(0.16, ((_h(7), _h(9)),), ((_h(7), _h(9)),), (8, 20), 0.35, 3, (_h(16), _h(19)), _WORKDAYS, _FARM,
               timedelta(hours=1))),
    _CategorySpec(
        "trailer", "Trailers", CategoryKind.vehicle,
        "Trailers to tow behind a pool car or a tractor. Check the towing limit of your car; braked "
        "trailers over 750 kg need a BE licence.",
        60, 3 * 1440, 60, 60, False,
        {"payload_kg": "number", "braked": "bool", "tipping": "bool", "length_m": "number"},
        _Usage(0.14, ((_h(8), _h(10)), (_h(13), _h(16))), ((_h(8), _h(12)),), (4, 12), 0.25, 2,
               (_h(9), _h(18)), _EVENINGS_WEEKENDS, _MILD)),
    _CategorySpec(
        "car", "Cars", CategoryKind.vehicle,
        "Shared cars, mostly electric. Return them plugged in; the key is in the key safe.",
        60, 3 * 1440, 30, 90, False, {"seats": "number", "towbar": "bool", "range_km": "number", "fuel": "text"},
        _Usage(0.6, ((_h(7), _h(11)), (_h(13), _h(19))), ((_h(8), _h(12)), (_h(13), _h(17))), (4, 16), 0.15, 3,
               (_h(9), _h(21)), _DRIVING, _MILD, timedelta(minutes=30))),
    _CategorySpec(
        "cargo", "Cargo bikes", CategoryKind.vehicle,
        "Long johns and box bikes for shopping, moving small furniture and taking the kids along.",
        60, 2 * 1440, 0, 30, False, {"payload_kg": "number", "electric": "bool", "child_seats": "number"},
        _Usage(0.45, ((_h(8), _h(10)), (_h(15), _h(18))), ((_h(9), _h(16)),), (2, 8), 0.1, 2,
               (_h(9), _h(20)), _EVENINGS_WEEKENDS, _MILD)),
    _CategorySpec(
        "bicycle", "Bicycles", CategoryKind.vehicle,
        "City bikes and e-bikes for visitors and for members whose own bike is in repair.",
        60, 2 * 1440, 0, 30, False, {"electric": "bool", "frame_size": "text", "gears": "number"},
        _Usage(0.32, ((_h(8), _h(10)), (_h(16), _h(19))), ((_h(9), _h(15)),), (2, 12), 0.15, 2,
               (_h(9), _h(20)), _EVENINGS_WEEKENDS, _MILD)),
]


@dataclass(frozen=True)
class _AssetSpec:
    category: str
    hub: str
    name: str
    capabilities: dict
    cost_eur: int
    count: int = 1
    description: str = ""
    design_url: str = ""
    design_licence: str = ""


def _a(category, hub, name, caps, cost_eur, count=1, description="", design_url="", design_licence=""):
    return _AssetSpec(category, hub, name, caps, cost_eur, count, description, design_url, design_licence)


ASSETS = [
    # Power tools: the library lends the everyday ones, the workshop keeps a second set.
    _a("power", "library", "Cordless drill Bosch 18 V", {"power_w": 400, "cordless": True, "weight_kg": 1.3}, 149, 2),
    _a("power", "workshop", "Cordless drill Makita 18 V", {"power_w": 450, "cordless": True, "weight_kg": 1.5}, 169),
    _a("power", "library", "Hammer drill SDS-plus", {"power_w": 800, "cordless": False, "weight_kg": 2.9}, 189, 2,
       "For concrete and brick; bits from 6 to 16 mm in the case."),
    _a("power", "library", "Circular saw 190 mm", {"power_w": 1400, "cordless": False, "weight_kg": 4.2}, 159),
    _a("power", "workshop", "Plunge saw with guide rail", {"power_w": 1200, "cordless": False, "weight_kg": 4.5}, 429),
    _a("power", "library", "Jigsaw", {"power_w": 650, "cordless": False, "weight_kg": 2.3}, 119),
    _a("power", "library", "Old jigsaw Black+Decker", {"power_w": 500, "cordless": False, "weight_kg": 2.1}, 49,
       description="Retired: the pendulum action is worn out."),
    _a("power", "library", "Angle grinder 125 mm", {"power_w": 900, "cordless": False, "weight_kg": 2.2}, 89),
    _a("power", "workshop", "Angle grinder 230 mm", {"power_w": 2200, "cordless": False, "weight_kg": 5.1}, 139),
    _a("power", "library", "Random orbital sander", {"power_w": 350, "cordless": False, "weight_kg": 1.6}, 99, 2),
    _a("power", "library", "Wet tile cutter", {"power_w": 600, "cordless": False, "weight_kg": 11.0}, 179),
    _a("power", "library", "Wallpaper steamer", {"power_w": 2000, "cordless": False, "weight_kg": 4.0}, 69),
    # Garden tools.
    _a("garden", "library", "Battery lawn mower 40 cm", {"power_w": 900, "fuel": "battery", "cutting_width_cm": 40},
       329, 2),
    _a("garden", "farm", "Petrol lawn mower 51 cm", {"power_w": 2600, "fuel": "petrol", "cutting_width_cm": 51}, 449),
    _a("garden", "library", "Hedge trimmer", {"power_w": 500, "fuel": "battery", "cutting_width_cm": 55}, 179, 2),
    _a("garden", "farm", "Chainsaw Stihl 35 cm", {"power_w": 1700, "fuel": "petrol", "cutting_width_cm": 35}, 399, 2,
       "Only with helmet, trousers and gloves from the safety kit."),
    _a("garden", "farm", "Brush cutter", {"power_w": 1400, "fuel": "petrol", "cutting_width_cm": 42}, 349),
    _a("garden", "library", "Lawn scarifier", {"power_w": 1500, "fuel": "electric", "cutting_width_cm": 36}, 189),
    _a("garden", "library", "Pressure washer", {"power_w": 2100, "fuel": "electric", "cutting_width_cm": 0}, 249, 2),
    _a("garden", "farm", "Garden shredder", {"power_w": 2800, "fuel": "electric", "cutting_width_cm": 0}, 389),
    _a("garden", "farm", "Log splitter 7 t", {"power_w": 3000, "fuel": "electric", "cutting_width_cm": 0}, 499),
    # Workshop equipment.
    _a("workshop", "workshop", "Table saw 254 mm", {"power_w": 2000, "induction_required": True, "three_phase": False},
       899),
    _a("workshop", "workshop", "Band saw", {"power_w": 750, "induction_required": True, "three_phase": False}, 749),
    _a("workshop", "workshop", "Pillar drill", {"power_w": 710, "induction_required": True, "three_phase": False}, 529),
    _a("workshop", "workshop", "Mitre saw 305 mm", {"power_w": 1800, "induction_required": True, "three_phase": False},
       599),
    _a("workshop", "workshop", "Wood lathe", {"power_w": 1100, "induction_required": True, "three_phase": False}, 1290),
    _a("workshop", "workshop", "Planer-thicknesser", {"power_w": 2200, "induction_required": True, "three_phase": True},
       1790),
    _a("workshop", "workshop", "MIG welder", {"power_w": 5500, "induction_required": True, "three_phase": False}, 1150),
    _a("workshop", "workshop", "Belt and disc sander", {"power_w": 550, "induction_required": False,
                                                       "three_phase": False}, 329),
    _a("workshop", "workshop", "Router table", {"power_w": 2100, "induction_required": True, "three_phase": False},
       649),
    _a("workshop", "workshop", "Sewing machine (heavy duty)", {"power_w": 120, "induction_required": False,
                                                              "three_phase": False}, 489),
    # Farm machinery: heavy things live at the farm.
    _a("farm", "farm", "Compact tractor 37 hp", {"power_hp": 37, "working_width_m": 1.4, "pto_required": False,
                                                 "hitch": "three-point cat 1"}, 28500,
       description="Four-wheel drive, front loader with pallet forks. Tractor licence (T) required."),
    _a("farm", "farm", "Massey Ferguson 135 tractor", {"power_hp": 45, "working_width_m": 1.6, "pto_required": False,
                                                       "hitch": "three-point cat 1"}, 9500,
       description="Restored 1972 classic, the farm's workhorse. Tractor licence (T) required."),
    _a("farm", "farm", "Seed drill 2.5 m", {"power_hp": 0, "working_width_m": 2.5, "pto_required": False,
                                            "hitch": "three-point cat 1"}, 6200,
       description="Mechanical drill for cereals, grass and green manure; calibration chart in the box."),
    _a("farm", "farm", "Rotary tiller 1.6 m", {"power_hp": 0, "working_width_m": 1.6, "pto_required": True,
                                               "hitch": "three-point cat 1"}, 3400),
    _a("farm", "farm", "Disc harrow 2 m", {"power_hp": 0, "working_width_m": 2.0, "pto_required": False,
                                           "hitch": "three-point cat 1"}, 2800),
    _a("farm", "farm", "Flail mower 1.5 m", {"power_hp": 0, "working_width_m": 1.5, "pto_required": True,
                                             "hitch": "three-point cat 1"}, 2900),
    _a("farm", "farm", "Two-row potato planter", {"power_hp": 0, "working_width_m": 1.5, "pto_required": False,
                                                  "hitch": "three-point cat 1"}, 3600),
    _a("farm", "farm", "Fertiliser spreader 400 l", {"power_hp": 0, "working_width_m": 10.0, "pto_required": True,
                                                     "hitch": "three-point cat 1"}, 1400),
    _a("farm", "farm", "Hay tedder", {"power_hp": 0, "working_width_m": 4.2, "pto_required": True,
                                      "hitch": "three-point cat 1"}, 3100),
    # Trailers.
    _a("trailer", "farm", "Flatbed trailer 2000 kg", {"payload_kg": 1450, "braked": True, "tipping": False,
                                                      "length_m": 4.0}, 3200),
    _a("trailer", "farm", "Box trailer 750 kg", {"payload_kg": 520, "braked": False, "tipping": False,
                                                 "length_m": 2.5}, 1100, 2),
    _a("trailer", "farm", "Tipping farm trailer 3 t", {"payload_kg": 3000, "braked": True, "tipping": True,
                                                       "length_m": 3.6}, 5400,
       description="For the tractors only: too heavy for a car."),
    _a("trailer", "farm", "Mesh-sided garden trailer", {"payload_kg": 600, "braked": False, "tipping": False,
                                                        "length_m": 2.6}, 1450),
    # Cars: the 24/7 station keeps them; the farm has a pick-up for its trailers.
    _a("car", "station", "Renault Zoe", {"seats": 5, "towbar": False, "range_km": 300, "fuel": "electric"}, 24900, 2),
    _a("car", "station", "Nissan Leaf", {"seats": 5, "towbar": False, "range_km": 270, "fuel": "electric"}, 26500),
    _a("car", "station", "Volkswagen ID.3", {"seats": 5, "towbar": False, "range_km": 380, "fuel": "electric"},
       33900),
    _a("car", "station", "Kia e-Niro", {"seats": 5, "towbar": True, "range_km": 420, "fuel": "electric"}, 36900),
    _a("car", "station", "Hyundai Kona Electric", {"seats": 5, "towbar": True, "range_km": 380, "fuel": "electric"},
       34500),
    _a("car", "station", "Toyota Corolla Touring Sports Hybrid",
       {"seats": 5, "towbar": True, "range_km": 800, "fuel": "hybrid"}, 31500),
    _a("car", "station", "Renault Kangoo E-Tech van", {"seats": 2, "towbar": True, "range_km": 250,
                                                       "fuel": "electric"}, 33500,
       description="Small van, 3.3 m3 load space; good for moving house."),
    _a("car", "station", "Open Runabout EV (open design)", {"seats": 4, "towbar": False, "range_km": 180,
                                                            "fuel": "electric"}, 18500, 2,
       "A light four-seat electric car built by members from an open-source-hardware design: every part is "
       "documented and repairable in the workshop.",
       f"{DESIGNS_URL}/open-runabout-ev", "CERN-OHL-S-2.0"),
    _a("car", "farm", "Toyota Hilux pick-up", {"seats": 5, "towbar": True, "range_km": 700, "fuel": "diesel"}, 38900,
       description="Tows the flatbed and box trailers."),
    # Cargo bikes.
    _a("cargo", "station", "Urban Arrow Family", {"payload_kg": 125, "electric": True, "child_seats": 3}, 5200, 2),
    _a("cargo", "station", "Babboe Big", {"payload_kg": 100, "electric": False, "child_seats": 4}, 1600),
    _a("cargo", "library", "Bakfiets.nl Cargobike Long", {"payload_kg": 80, "electric": True, "child_seats": 2},
       3900),
    _a("cargo", "library", "Riese & Müller Load 75", {"payload_kg": 200, "electric": True, "child_seats": 2}, 7400),
    _a("cargo", "workshop", "Open Long John (open design)", {"payload_kg": 100, "electric": False, "child_seats": 0},
       1200, 2,
       "Built in the workshop from an open cargo-bike design: steel frame, plywood box, standard bike parts.",
       f"{DESIGNS_URL}/open-long-john", "CC BY-SA 4.0"),
    _a("cargo", "station", "Douze Messenger", {"payload_kg": 100, "electric": True, "child_seats": 0}, 4600),
    # Bicycles.
    _a("bicycle", "station", "Gazelle city bike", {"electric": False, "frame_size": "M", "gears": 7}, 749, 3),
    _a("bicycle", "station", "Gazelle e-bike", {"electric": True, "frame_size": "L", "gears": 7}, 2499, 2),
    _a("bicycle", "station", "Sparta e-bike", {"electric": True, "frame_size": "M", "gears": 8}, 2299),
    _a("bicycle", "library", "Batavus city bike", {"electric": False, "frame_size": "S", "gears": 3}, 599, 2),
    _a("bicycle", "workshop", "Tandem", {"electric": False, "frame_size": "L", "gears": 21}, 1290),
    _a("bicycle", "workshop", "Folding bike", {"electric": False, "frame_size": "one size", "gears": 6}, 899),
]

# Asset names (with their "#n" when there are several) that are not simply active.
RETIRED = {"Old jigsaw Black+Decker"}
IN_MAINTENANCE = {"Chainsaw Stihl 35 cm #2", "Urban Arrow Family #2"}


@dataclass(frozen=True)
class _WindowSpec:
    asset: str
    start_day: int  # relative to today in the town's zone
    start: int  # local minute of day
    end_day: int
    end: int
    reason: str


MAINTENANCE = [
    _WindowSpec("Chainsaw Stihl 35 cm #2", -4, _h(9), 6, _h(17), "Chain brake repair at the dealer"),
    _WindowSpec("Urban Arrow Family #2", -2, _h(10), 9, _h(12), "Motor fault: waiting for a replacement controller"),
    _WindowSpec("Massey Ferguson 135 tractor", -40, _h(7), -37, _h(17), "Pre-season service: oil, filters, hydraulics"),
    _WindowSpec("Table saw 254 mm", -20, _h(16), -20, _h(21), "Blade replacement and fence alignment"),
    _WindowSpec("Renault Zoe #1", 8, _h(8), 8, _h(17), "Annual service and APK inspection"),
    _WindowSpec("Open Long John (open design) #1", 15, _h(12), 15, _h(17), "Brake and tyre check"),
]
RETIRED_DAYS_AGO = 40

_NOTES = {
    "power": ["Putting up shelves", "Kitchen renovation", "Hanging curtains", "Fixing the garden fence"],
    "garden": ["Allotment", "Front garden tidy-up", "Cutting the hedge for the neighbours too"],
    "workshop": ["Building a bookcase", "Repair café project", "Bench for the school garden"],
    "farm": ["Allotment association plots", "Sowing green manure", "Community farm field day",
             "Potato planting with the school"],
    "trailer": ["Green waste to the recycling centre", "Picking up firewood", "Moving a shed"],
    "car": ["Visiting family", "IKEA trip", "Weekend at the coast", "Hospital appointment", "Moving boxes"],
    "cargo": ["Weekly groceries", "Taking the kids to the park", "Market shopping", "Moving plants"],
    "bicycle": ["Friends visiting", "My bike is in repair", "Trip to Amelisweerd"],
}


# --- People ---------------------------------------------------------------------------------------------

FIRST_NAMES = [
    "Sanne", "Lotte", "Emma", "Julia", "Sophie", "Fleur", "Anouk", "Iris", "Eva", "Lisa", "Noor", "Femke",
    "Lieke", "Maud", "Roos", "Esther", "Marieke", "Ingrid", "Annelies", "Hanneke", "Daan", "Sem", "Lucas",
    "Levi", "Finn", "Milan", "Thijs", "Bram", "Jesse", "Ruben", "Tim", "Joost", "Pieter", "Maarten", "Sjoerd",
    "Wouter", "Jeroen", "Bas", "Koen", "Gert", "Henk", "Willem", "Jan", "Kees", "Mohammed", "Fatima", "Yasmina",
    "Amira", "Ayoub", "Omar", "Zeynep", "Emre", "Özlem", "Priya", "Arjun", "Wei", "Mei", "Ana", "Carlos",
    "Lucía", "Giulia", "Marco", "Katarzyna", "Piotr", "Olena", "Dmytro", "Aisha", "Kwame", "Nadia", "Sara",
    "Chloé", "Zoë", "Jonas", "Lars", "Hannah", "Elif", "Rachid", "Soufiane", "Ilse", "Mirjam",
]
LAST_NAMES = [
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel",
    "van der Veen", "van den Broek", "de Bruijn", "de Jong", "Schouten", "van Dam", "Willems", "Hoekstra",
    "Verhoeven", "Kuipers", "Post", "Prins", "El Amrani", "Bouzid", "Yılmaz", "Demir", "Kaya", "Öztürk",
    "Sharma", "Patel", "Wang", "Li", "García", "Rossi", "Kowalski", "Nowak", "Shevchenko", "Mensah", "Haddad",
    "Novak", "Schmidt", "Müller", "Andersen", "Santos", "Ferreira", "Tahiri", "Benali", "O'Brien",
]

_NAMED = [
    # (email, name, role, home) -- the demo member lives in the centre, between the library and the station.
    (ADMIN_EMAIL, "Femke de Boer", Role.admin, (52.09710, 5.11520)),
    (COORDINATOR_EMAIL, "Joost van Dijk", Role.coordinator, (52.08360, 5.13510)),
    (MEMBER_EMAIL, "Lotte Jansen", Role.member, (52.08620, 5.12140)),
]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ı", "i")).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _km_offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    return (round(lat + north_km / 111.2, 5),
            round(lon + east_km / (111.32 * math.cos(math.radians(lat))), 5))


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (a[0] - b[0]) * 111.2
    east = (a[1] - b[1]) * 111.32 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(north, east)


# --- Loading --------------------------------------------------------------------------------------------

def _already_there(session: Session) -> str:
    if session.scalar(select(Hub.id).where(Hub.name == HUBS[0].name)) is not None:
        return "the demo community is already loaded"
    if session.scalar(select(Member.id).where(Member.email == ADMIN_EMAIL)) is not None:
        return "the demo community is already loaded"
    for model in (Hub, Category, Asset, Member):
        if session.scalar(select(model.id).limit(1)) is not None:
            return "the database already holds a pool; the demo is only loaded into an empty one"
    return ""


def load_demo(session: Session, now: datetime, seed: int = 2026) -> DemoResult:
    """Fill an empty database with the Utrecht demo community around `now`; flush only, the caller commits.

    Does nothing (``created=False``) when the demo is already there or the database holds other data.
    The returned logins are always the three demo accounts, all with DEMO_PASSWORD.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    reason = _already_there(session)
    if reason:
        return DemoResult(created=False, reason=reason)
    return _Builder(session, now.astimezone(timezone.utc), random.Random(seed)).build()


@dataclass
class _Plan:
    """An asset while bookings are drawn for it."""

    asset: Asset
    spec: _CategorySpec
    hub: _HubSpec
    hours: WeeklyHours
    busy: list[tuple[datetime, datetime]]
    bookable_until: datetime | None  # no booking may end after this (retired / in maintenance)


class _Builder:
    def __init__(self, session: Session, now: datetime, rng: random.Random):
        self.session = session
        self.now = now
        self.rng = rng
        self.now_minute = now.replace(second=0, microsecond=0)
        self.now_hour = now.replace(minute=0, second=0, microsecond=0)
        self.today = now.astimezone(zone(TOWN_ZONE)).date()

    def local(self, day: date, minute: int) -> datetime:
        """Wall-clock time in town -> UTC; raises ValidationFailed inside a DST gap."""
        return localize(datetime.combine(day, time()) + timedelta(minutes=minute), TOWN_ZONE)

    def build(self) -> DemoResult:
        s = self.session
        pool = default_pool(s, self.now_hour - timedelta(days=1100))
        hubs = {h.key: Hub(name=h.name, address=h.address, lat=h.lat, lon=h.lon, timezone=TOWN_ZONE,
                           opening_hours=h.opening_hours, retired=False, pool_id=pool.id) for h in HUBS}
        categories = {c.key: Category(pool_id=pool.id, name=c.name, kind=c.kind, description=c.description,
                                      min_duration_minutes=c.min_minutes, max_duration_minutes=c.max_minutes,
                                      min_notice_minutes=c.notice_minutes, max_advance_days=c.advance_days,
                                      approval_required=c.approval, capability_schema=dict(c.schema),
                                      retired=False)
                      for c in CATEGORIES}
        s.add_all(list(hubs.values()) + list(categories.values()))
        s.flush()

        assets = self.make_assets(hubs, categories)
        members, named = self.make_members()
        s.add_all(assets + members)
        s.flush()
        s.add_all(PoolMembership(pool_id=pool.id, member_id=m.id, created_at=m.created_at,
                                 role=PoolRole.coordinator if m.role == Role.coordinator else PoolRole.member)
                  for m in members)
        s.flush()

        coordinator = named[COORDINATOR_EMAIL]
        plans, windows = self.plan_assets(assets, coordinator)
        bookings = self.make_bookings(plans, members, named)
        s.add_all(windows + bookings)
        s.flush()
        _add_types_and_open_requests(self, assets, members, named, bookings, windows)
        load_demo_governance(s, self.now)
        _add_use_instructions(s)
        name_demo_categories(s)
        owned = self.lend_members_own_items(hubs, categories, members, named)
        load_demo_money(s, self.now)  # after the owned items, so their returned loans are charged too
        load_demo_eligibility(s, self.now)
        return DemoResult(created=True, hubs=len(hubs) + owned.hubs, categories=len(categories),
                          assets=len(assets) + owned.items, members=len(members),
                          bookings=len(bookings) + owned.bookings, maintenance_windows=len(windows))

    def lend_members_own_items(self, hubs: dict[str, Hub], categories: dict[str, Category], members: list[Member],
                               named: dict[str, Member]) -> OwnedDemo:
        """The demo member and nine neighbours lend their own things (fleet/owners/demo_items.py)."""
        others = [m for m in members if m.role == Role.member and m.email not in named]
        owners = [named[MEMBER_EMAIL]] + others[10:19]
        return load_demo_owned_items(self.session, self.now, owners, others[30:130], hubs, categories, TOWN_CENTRE,
                                     self.rng)

    # -- catalogue

    def make_assets(self, hubs: dict[str, Hub], categories: dict[str, Category]) -> list[Asset]:
        rng = self.rng
        specs = {c.key: c for c in CATEGORIES}
        assets = []
        for spec in ASSETS:
            kind = specs[spec.category].kind
            unit = {CategoryKind.vehicle: MeterUnit.km, CategoryKind.machine: MeterUnit.hours}.get(kind)
            for n in range(1, spec.count + 1):
                name = f"{spec.name} #{n}" if spec.count > 1 else spec.name
                retired = name in RETIRED
                age_days = rng.randint(1500, 2600) if retired else rng.randint(120, 1800)
                bought = self.today - timedelta(days=age_days)
                status = (AssetStatus.retired if retired else
                          AssetStatus.maintenance if name in IN_MAINTENANCE else AssetStatus.active)
                # Prices vary a little between units bought at different times.
                cost = int(round(spec.cost_eur * rng.uniform(0.92, 1.05))) * 100
                assets.append(Asset(
                    name=name, description=spec.description, category_id=categories[spec.category].id,
                    hub_id=hubs[spec.hub].id, capabilities=dict(spec.capabilities), status=status,
                    design_url=spec.design_url, design_licence=spec.design_licence, purchase_cost_minor=cost,
                    currency="EUR", purchase_date=bought, meter_unit=unit,
                    created_at=datetime.combine(bought, time(10), tzinfo=timezone.utc),
                ))
        return assets

    # -- people

    def make_members(self) -> tuple[list[Member], dict[str, Member]]:
        rng = self.rng
        password_hash = hash_password(DEMO_PASSWORD)  # scrypt is slow: one hash shared by every demo account
        members: list[Member] = []
        named: dict[str, Member] = {}
        for email, name, role, (lat, lon) in _NAMED:
            member = Member(email=email, name=name, password_hash=password_hash, role=role, active=True,
                            home_lat=lat, home_lon=lon, created_at=self.now_hour - timedelta(days=1100))
            named[email] = member
            members.append(member)
        taken = set(named)
        while len(members) < MEMBER_COUNT + len(_NAMED):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local_part = f"{_ascii(first)}.{_ascii(last)}"
            email, n = f"{local_part}@{DEMO_DOMAIN}", 2
            while email in taken:
                email, n = f"{local_part}{n}@{DEMO_DOMAIN}", n + 1
            taken.add(email)
            # Homes cluster around the centre and thin out towards the ring road, a few km away.
            radius = 4.5 * math.sqrt(rng.random()) * rng.uniform(0.6, 1.0)
            angle = rng.uniform(0, 2 * math.pi)
            lat, lon = _km_offset(*TOWN_CENTRE, radius * math.sin(angle), radius * math.cos(angle))
            joined = self.now_hour - timedelta(days=rng.randint(120, 1400), hours=rng.randint(0, 23))
            members.append(Member(email=email, name=f"{first} {last}", password_hash=password_hash,
                                  role=Role.member, active=True, home_lat=lat, home_lon=lon, created_at=joined))
        return members, named

    # -- maintenance and retirement

    def plan_assets(self, assets: list[Asset], coordinator: Member) -> tuple[list[_Plan], list[MaintenanceWindow]]:
        by_name = {a.name: a for a in assets}
        specs = {c.key: c for c in CATEGORIES}
        hubs = {h.key: h for h in HUBS}
        hub_by_id = {}
        for spec in ASSETS:
            for n in range(1, spec.count + 1):
                name = f"{spec.name} #{n}" if spec.count > 1 else spec.name
                hub_by_id[name] = (specs[spec.category], hubs[spec.hub])
        plans = {}
        for asset in assets:
            cat, hub = hub_by_id[asset.name]
            until = None
            if asset.status == AssetStatus.retired:
                until = self.local(self.today - timedelta(days=RETIRED_DAYS_AGO), 0)
            plans[asset.name] = _Plan(asset, cat, hub, parse_opening_hours(hub.opening_hours), [], until)
        windows = []
        for w in MAINTENANCE:
            asset = by_name[w.asset]
            start = self.local(self.today + timedelta(days=w.start_day), w.start)
            end = self.local(self.today + timedelta(days=w.end_day), w.end)
            plan = plans[w.asset]
            plan.busy.append((start, end))
            if asset.status == AssetStatus.maintenance:
                plan.bookable_until = start
            windows.append(MaintenanceWindow(asset_id=asset.id, start_at=start, end_at=end, reason=w.reason,
                                             created_by_id=coordinator.id,
                                             created_at=min(self.now_minute, start - timedelta(days=5))))
        return list(plans.values()), windows

    # -- bookings

    def member_pools(self, members: list[Member]) -> dict[tuple[str, bool], tuple[list[int], list[float]]]:
        """Per hub, who books there: active people more often, and people who live nearby far more often.
        Farm machinery goes to a small group of growers (allotment holders, the community farm)."""
        rng = self.rng
        activity = {m.id: rng.lognormvariate(0, 0.8) for m in members}
        growers = set(rng.sample([m.id for m in members if m.role == Role.member], 18))
        pools = {}
        for hub in HUBS:
            for farm_only in (False, True):
                ids, cum, total = [], [], 0.0
                for m in members:
                    if farm_only and m.id not in growers:
                        continue
                    distance = _distance_km((m.home_lat, m.home_lon), (hub.lat, hub.lon))
                    total += activity[m.id] * math.exp(-distance / 2.5)
                    ids.append(m.id)
                    cum.append(total)
                pools[(hub.key, farm_only)] = (ids, cum)
        return pools

    def make_bookings(self, plans: list[_Plan], members: list[Member], named: dict[str, Member]) -> list[Booking]:
        pools = self.member_pools(members)
        coordinator_id = named[COORDINATOR_EMAIL].id
        drawn: list[tuple[Booking, str]] = []
        for plan in plans:
            for start, end in self.draw_intervals(plan):
                ids, cum = pools[(plan.hub.key, plan.spec.key == "farm")]
                member_id = self.rng.choices(ids, cum_weights=cum)[0]
                drawn.append((self.booking(plan, start, end, member_id, coordinator_id), plan.spec.key))
        self.keep_some_pending([b for b, key in drawn if key == "farm"])
        self.give_demo_member_bookings(drawn, named[MEMBER_EMAIL].id)
        return [b for b, _ in drawn]

    def keep_some_pending(self, approval_bookings: list[Booking], at_least: int = 3) -> None:
        """Coordinators always find a few requests waiting, even in winter when few come in: the latest
        requests for upcoming approval-required bookings are still undecided."""
        upcoming = [b for b in approval_bookings if b.start_at >= self.now and b.status in HOLDING_STATUSES]
        missing = at_least - sum(b.status == BookingStatus.pending for b in upcoming)
        confirmed = sorted((b for b in upcoming if b.status == BookingStatus.confirmed),
                           key=lambda b: (b.created_at, b.start_at), reverse=True)
        for booking in confirmed[:max(0, missing)]:
            booking.status = BookingStatus.pending
            booking.decided_by_id = booking.decided_at = None

    def draw_intervals(self, plan: _Plan) -> list[tuple[datetime, datetime]]:
        """Bookings of one asset in time order, none overlapping each other or a maintenance window."""
        rng, usage, cat = self.rng, plan.spec.usage, plan.spec
        first_day = self.today - timedelta(days=PAST_DAYS)
        last_start = self.now + timedelta(days=min(FUTURE_DAYS, cat.advance_days))
        earliest_upcoming = self.now + timedelta(minutes=cat.notice_minutes)
        cursor = self.local(first_day, 0)
        intervals = []
        for offset in range(PAST_DAYS + FUTURE_DAYS + 1):
            day = first_day + timedelta(days=offset)
            weekday = day.weekday()
            windows = usage.weekend_windows if weekday >= 5 else usage.weekday_windows
            expected = usage.rate * usage.weekday_factor[weekday] * usage.season[day.month]
            chance = min(0.9, expected / len(windows))
            for window in windows:
                if rng.random() >= chance:
                    continue
                interval = self.draw_interval(plan, day, window)
                if interval is None:
                    continue
                start, end = interval
                if start < cursor or start > last_start:
                    continue
                if self.now <= start < earliest_upcoming:
                    continue
                if plan.bookable_until is not None and end > plan.bookable_until:
                    continue
                if any(start < b_end and b_start < end for b_start, b_end in plan.busy):
                    continue
                intervals.append((start, end))
                cursor = end + usage.turnaround
        return intervals

    def draw_interval(self, plan: _Plan, day: date, window: tuple[int, int]) -> tuple[datetime, datetime] | None:
        """A pick-up in `window` and a return, both on the half-hour grid while the hub is open, with a
        duration the category allows; None when this draw does not fit."""
        rng, usage, cat = self.rng, plan.spec.usage, plan.spec
        open_at = plan.hours.is_open_at
        try:
            start = self.local(day, rng.randrange(window[0] // 30, window[1] // 30 + 1) * 30)
        except ValidationFailed:
            return None
        if not open_at(start, TOWN_ZONE):
            return None
        shortest, longest = timedelta(minutes=cat.min_minutes), timedelta(minutes=cat.max_minutes)
        if usage.max_days and rng.random() < usage.multi_day_share:
            days = rng.randint(1, usage.max_days)
            back = rng.randrange(usage.return_window[0] // 30, usage.return_window[1] // 30 + 1) * 30
            # A closed day or a too-long stay moves the return a day either way, as a member would.
            for n in (days, days + 1, days - 1):
                if n < 1:
                    continue
                try:
                    end = self.local(day + timedelta(days=n), back)
                except ValidationFailed:
                    continue
                if shortest <= end - start <= longest and open_at(end, TOWN_ZONE):
                    return start, end
            return None
        end = start + SLOT * rng.randint(*usage.same_day_slots)
        # Past closing time the member brings it back at closing time.
        while end - start > shortest and not open_at(end, TOWN_ZONE):
            end -= SLOT
        if shortest <= end - start <= longest and open_at(end, TOWN_ZONE):
            return start, end
        return None

    def booking(self, plan: _Plan, start: datetime, end: datetime, member_id: int, coordinator_id: int) -> Booking:
        rng, cat, now = self.rng, plan.spec, self.now_minute
        lead = timedelta(minutes=cat.notice_minutes + rng.randint(30, 14 * 24 * 60))
        created = start - lead
        if created > now:
            created = now - timedelta(minutes=rng.randint(5, 3 * 24 * 60))
        created = max(created, start - timedelta(days=cat.advance_days))
        note = rng.choice(_NOTES[cat.key]) if rng.random() < 0.2 else ""
        booking = Booking(asset_id=plan.asset.id, member_id=member_id, start_at=start, end_at=end, note=note,
                          created_at=created, decision_reason="")
        roll = rng.random()
        if end <= self.now:
            if cat.approval and roll < 0.04:
                booking.status = BookingStatus.rejected
                booking.decision_reason = "The field is too wet for machinery that week."
            elif roll < 0.085:
                booking.status = BookingStatus.cancelled
            elif roll < 0.12:
                booking.status = BookingStatus.no_show
            else:
                booking.status = BookingStatus.completed
        elif start < self.now:
            booking.status = BookingStatus.checked_out
        elif roll < 0.04:
            booking.status = BookingStatus.cancelled
        elif cat.approval and roll < 0.35:
            booking.status = BookingStatus.pending
        else:
            booking.status = BookingStatus.confirmed
        if booking.status == BookingStatus.cancelled:
            latest = min(start, now)
            booking.cancelled_at = created + (latest - created) * rng.uniform(0.2, 0.95)
            booking.cancelled_at = booking.cancelled_at.replace(second=0, microsecond=0)
        if cat.approval and booking.status not in (BookingStatus.pending, BookingStatus.cancelled):
            booking.decided_by_id = coordinator_id
            booking.decided_at = min(created + timedelta(hours=rng.randint(1, 20)), start, now)
        return booking

    def give_demo_member_bookings(self, drawn: list[tuple[Booking, str]], member_id: int) -> None:
        """The demo member's page shows a few trips already made and a couple coming up."""
        wanted = [("cargo", BookingStatus.completed), ("car", BookingStatus.completed),
                  ("power", BookingStatus.completed), ("bicycle", BookingStatus.completed),
                  ("car", BookingStatus.confirmed), ("cargo", BookingStatus.confirmed),
                  ("power", BookingStatus.confirmed)]
        for key, status in wanted:
            candidates = [b for b, k in drawn if k == key and b.status == status and b.member_id != member_id]
            if candidates:
                self.rng.choice(candidates).member_id = member_id


# --- Asset types and open flexible requests ---------------------------------------------------------------------

# What each asset is inside its category: members ask for "a jigsaw", the planner keeps a band saw apart from a
# lathe. Cars are typed by model. Keyed by the spec's name (before any "#n").
ASSET_TYPES = {
    "Cordless drill Bosch 18 V": "cordless drill", "Cordless drill Makita 18 V": "cordless drill",
    "Hammer drill SDS-plus": "hammer drill", "Circular saw 190 mm": "circular saw",
    "Plunge saw with guide rail": "plunge saw", "Jigsaw": "jigsaw", "Old jigsaw Black+Decker": "jigsaw",
    "Angle grinder 125 mm": "angle grinder", "Angle grinder 230 mm": "angle grinder",
    "Random orbital sander": "sander", "Wet tile cutter": "tile cutter", "Wallpaper steamer": "wallpaper steamer",
    "Battery lawn mower 40 cm": "lawn mower", "Petrol lawn mower 51 cm": "lawn mower",
    "Hedge trimmer": "hedge trimmer", "Chainsaw Stihl 35 cm": "chainsaw", "Brush cutter": "brush cutter",
    "Lawn scarifier": "scarifier", "Pressure washer": "pressure washer", "Garden shredder": "shredder",
    "Log splitter 7 t": "log splitter",
    "Table saw 254 mm": "table saw", "Band saw": "band saw", "Pillar drill": "pillar drill",
    "Mitre saw 305 mm": "mitre saw", "Wood lathe": "lathe", "Planer-thicknesser": "planer-thicknesser",
    "MIG welder": "welder", "Belt and disc sander": "belt sander", "Router table": "router table",
    "Sewing machine (heavy duty)": "sewing machine",
    "Compact tractor 37 hp": "tractor", "Massey Ferguson 135 tractor": "tractor", "Seed drill 2.5 m": "seed drill",
    "Rotary tiller 1.6 m": "rotary tiller", "Disc harrow 2 m": "disc harrow", "Flail mower 1.5 m": "flail mower",
    "Two-row potato planter": "potato planter", "Fertiliser spreader 400 l": "fertiliser spreader",
    "Hay tedder": "hay tedder",
    "Flatbed trailer 2000 kg": "flatbed trailer", "Box trailer 750 kg": "box trailer",
    "Tipping farm trailer 3 t": "tipping trailer", "Mesh-sided garden trailer": "garden trailer",
    "Renault Zoe": "Renault Zoe", "Nissan Leaf": "Nissan Leaf", "Volkswagen ID.3": "Volkswagen ID.3",
    "Kia e-Niro": "Kia e-Niro", "Hyundai Kona Electric": "Hyundai Kona Electric",
    "Toyota Corolla Touring Sports Hybrid": "Toyota Corolla", "Renault Kangoo E-Tech van": "Renault Kangoo",
    "Open Runabout EV (open design)": "Open Runabout EV", "Toyota Hilux pick-up": "Toyota Hilux",
    "Urban Arrow Family": "front-loader", "Babboe Big": "front-loader", "Bakfiets.nl Cargobike Long": "front-loader",
    "Riese & Müller Load 75": "front-loader", "Open Long John (open design)": "long john",
    "Douze Messenger": "long john",
    "Gazelle city bike": "city bike", "Gazelle e-bike": "e-bike", "Sparta e-bike": "e-bike",
    "Batavus city bike": "city bike", "Tandem": "tandem", "Folding bike": "folding bike",
}


@dataclass(frozen=True)
class _Crunch:
    """Two open requests on one day that first come, first served cannot both serve: the first asks for either
    of two assets' types and would take the first asset; the second needs that asset's type only. The
    optimiser gives the first one the other asset and serves both."""

    first_asset: str
    other_asset: str
    minutes: int
    first_note: str
    second_note: str


CRUNCHES = [
    _Crunch("Kia e-Niro", "Hyundai Kona Electric", 180, "Taking the bikes to the dunes (towbar rack)",
            "Visiting family in Groningen: I need the e-Niro's range"),
    _Crunch("Table saw 254 mm", "Band saw", 120, "Cutting planks for a raised bed",
            "Ripping oak boards for a table top: it has to be the table saw"),
    _Crunch("Circular saw 190 mm", "Plunge saw with guide rail", 180, "New floorboards in the attic",
            "Cutting a worktop to size"),
]
CRUNCH_FIRST_DAY = 2  # days ahead: still open when a newcomer runs the optimiser for the first time


def _add_types_and_open_requests(builder: "_Builder", assets: list[Asset], members: list[Member],
                                 named: dict[str, Member], bookings: list[Booking],
                                 windows: list[MaintenanceWindow]) -> int:
    """Give every asset its type, then leave open flexible requests for the first optimiser run (CRUNCHES):
    each pair is placed where both assets are free and their hubs open. Returns the requests added."""
    by_spec: dict[str, list[Asset]] = {}
    for asset in assets:
        spec_name = asset.name.rsplit(" #", 1)[0]
        asset.asset_type = ASSET_TYPES.get(spec_name, "")
        by_spec.setdefault(asset.name, []).append(asset)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for b in bookings:
        busy.setdefault(b.asset_id, []).append((b.start_at, b.end_at))
    for w in windows:
        busy.setdefault(w.asset_id, []).append((w.start_at, w.end_at))
    hubs = {h.id: h for h in builder.session.scalars(select(Hub))}
    categories = {c.id: c for c in builder.session.scalars(select(Category))}
    regulars = [m for m in members if m.role == Role.member and m.home_lat is not None]
    added, used_days = 0, set()
    for n, crunch in enumerate(CRUNCHES):
        first, other = by_spec[crunch.first_asset][0], by_spec[crunch.other_asset][0]
        category = categories[first.category_id]
        slot = _free_slot(builder, (first, other), hubs, busy, crunch.minutes + 60, category, used_days)
        if slot is None:
            continue
        used_days.add((slot.date(), first.category_id))
        hub = hubs[first.hub_id]
        # the first asker lives nearer the first asset's hub: first come, first served gives them that asset
        near_first = [m for m in regulars if _distance_km((m.home_lat, m.home_lon), (hub.lat, hub.lon))
                      <= _distance_km((m.home_lat, m.home_lon), (hubs[other.hub_id].lat, hubs[other.hub_id].lon))]
        asked_first = named[MEMBER_EMAIL] if n == 0 else near_first[(7 * n) % len(near_first)]
        asked_second = regulars[(7 * n + 3) % len(regulars)]
        for k, (member, types, end, note) in enumerate((
                (asked_first, [first.asset_type, other.asset_type], slot + timedelta(minutes=crunch.minutes + 60),
                 crunch.first_note),
                (asked_second, [first.asset_type], slot + timedelta(minutes=crunch.minutes), crunch.second_note))):
            arrived = builder.now_minute - timedelta(hours=6 - 2 * n, minutes=30 - 20 * k)
            builder.session.add(FlexibleRequest(
                member_id=member.id, category_id=category.id, requires={}, asset_types=types,
                earliest_start=slot, latest_end=end, duration_minutes=crunch.minutes,
                lat=member.home_lat if member.home_lat is not None else hub.lat,
                lon=member.home_lon if member.home_lon is not None else hub.lon,
                status=RequestStatus.waitlisted, note=note, created_at=arrived, updated_at=arrived))
            added += 1
    builder.session.flush()
    return added


def _free_slot(builder: "_Builder", pair: tuple[Asset, Asset], hubs: dict[int, Hub],
               busy: dict[int, list[tuple[datetime, datetime]]], minutes: int, category: Category,
               used_days: set) -> datetime | None:
    """The first half hour, from CRUNCH_FIRST_DAY days ahead on, at which both assets are free for `minutes`
    and both hubs are open at every pick-up and return the requests allow."""
    length = timedelta(minutes=minutes)
    earliest = builder.now + timedelta(minutes=category.min_notice_minutes, hours=1)
    for day_offset in range(CRUNCH_FIRST_DAY, CRUNCH_FIRST_DAY + 10):  # inside a first run's 14 days
        day = builder.today + timedelta(days=day_offset)
        if (day, category.id) in used_days:
            continue
        for half_hours in range(16, 40):
            try:
                start = builder.local(day, half_hours * 30)
            except ValidationFailed:
                continue
            end = start + length
            if start < earliest:
                continue
            instants = (start, start + timedelta(minutes=60), end - timedelta(minutes=60), end)
            if not all(parse_opening_hours(hubs[a.hub_id].opening_hours).is_open_at(t, TOWN_ZONE)
                       for a in pair for t in instants):
                continue
            if any(s < end and start < e for a in pair for s, e in busy.get(a.id, ())):
                continue
            return start
    return None
# -- governance: two closed decisions (one passed and applied, one rejected) and one open proposal with comments

# How to get at things at each demo hub, as a coordinator would write it (shown to members on the asset page).
_USE_INSTRUCTIONS = {
    "Neude": "Ask at the library's front desk and show your booking on your phone. Return it to the same desk.",
    "Amelisweerd": "The key is in the key safe by the barn door; the coordinator gives you its code at your first "
                   "booking. Fill the tank before you bring it back.",
    "Vaartsche Rijn": "Cars and cargo bikes stand in the marked bays. The keys are in the key safe next to bay 1; "
                      "the code is on the label inside the station door.",
    "Lombok": "Tools hang on the marked wall of the workshop; the key is in the key safe by the side door. "
              "Clean a tool before you hang it back.",
}


def _add_use_instructions(session: Session) -> None:
    for asset in session.scalars(select(Asset).join(Hub).order_by(Asset.id)):
        text = next((v for k, v in _USE_INSTRUCTIONS.items() if asset.hub.name.startswith(k)), "")
        asset.use_instructions = text


# The demo's category names in the pool's other languages (coordinators give them in the category form).
DEMO_CATEGORY_NAMES = {
    "Power tools": {"fr": "Outillage électroportatif", "de": "Elektrowerkzeuge"},
    "Garden tools": {"fr": "Outils de jardin", "de": "Gartengeräte"},
    "Workshop equipment": {"fr": "Machines d’atelier", "de": "Werkstattmaschinen"},
    "Farm machinery": {"fr": "Machines agricoles", "de": "Landmaschinen"},
    "Trailers": {"fr": "Remorques", "de": "Anhänger"},
    "Cars": {"fr": "Voitures", "de": "Autos"},
    "Cargo bikes": {"fr": "Vélos cargo", "de": "Lastenräder"},
    "Bicycles": {"fr": "Vélos", "de": "Fahrräder"},
}


def name_demo_categories(session: Session) -> None:
    for category in session.scalars(select(Category).where(Category.name.in_(list(DEMO_CATEGORY_NAMES)))):
        category.name_translations = DEMO_CATEGORY_NAMES[category.name]
    session.flush()


def load_demo_governance(session: Session, now: datetime) -> int:
    """The pool's decisions in the demo: a rule change for the farm machinery that passed and a coordinator
    applied, a cargo bike acquisition the members rejected, and an open proposal with a discussion that the demo
    member has not voted on yet. Deterministic: every vote is a function of the member's place in the list.
    Returns how many proposals it made."""
    members = list(session.scalars(select(Member).where(Member.active.is_(True)).order_by(Member.id)))
    coordinator = next(m for m in members if m.email == COORDINATOR_EMAIL)
    demo_member = next(m for m in members if m.email == MEMBER_EMAIL)
    farm = session.scalar(select(Category).where(Category.name == "Farm machinery"))
    cargo = session.scalar(select(Category).where(Category.name == "Cargo bikes"))
    workshop = session.scalar(select(Hub).where(Hub.name.like("Lombok%")))
    washer = session.scalar(select(Asset).where(Asset.name == "Pressure washer #2"))
    farm_hub = session.scalar(select(Hub).where(Hub.name.like("Amelisweerd%")))
    others = [m for m in members if m.id != demo_member.id]

    opened = now - timedelta(days=20)
    rule = proposals.open_proposal(
        session, members[3], opened, kind="rule_change", category_id=farm.id,
        title="Book the farm machinery up to 120 days ahead",
        body="Sowing and harvest are planned months ahead; 90 days is too short for the spring work.",
        change={"rules": {"max_advance_days": 120}})
    bike = proposals.open_proposal(
        session, members[5], opened + timedelta(days=3), kind="acquire", category_id=cargo.id,
        target_hub_id=workshop.id, amount_minor=420000, currency="EUR",
        title="A second cargo bike for the Lombok workshop",
        body="Families in Lombok ask for a cargo bike at weekends.")
    for i, m in enumerate(others[:int(len(others) * 0.6)]):
        votes.cast_vote(session, m, rule.id, "yes" if i % 5 else "no", "", opened + timedelta(hours=4 + i))
        votes.cast_vote(session, m, bike.id, "no" if i % 3 else "yes", "", bike.opened_at + timedelta(hours=1 + i))
    closing.close_due(session, rule.closes_at + timedelta(hours=1))
    applying.apply_decision(session, coordinator, rule.id, rule.closes_at + timedelta(days=1))
    closing.close_due(session, bike.closes_at + timedelta(hours=1))

    start = now - timedelta(days=1)
    move = proposals.open_proposal(
        session, coordinator, start, kind="move", asset_id=washer.id, target_hub_id=farm_hub.id,
        title="Move the second pressure washer to the farm hub",
        body="The library has two and the second is rarely out; the farm asks for one for the machinery.")
    comments.add_comment(session, members[4], move.id, "Yes please, we clean the tractor after every job.",
                         start + timedelta(hours=2))
    comments.add_comment(session, members[6], move.id,
                         "The library one is used for terraces in spring; can it come back in April?",
                         start + timedelta(hours=5))
    for i, m in enumerate(others[:4]):
        votes.cast_vote(session, m, move.id, ("yes", "yes", "abstain", "no")[i], "", start + timedelta(hours=3 + i))
    session.flush()
    return 3


# -- who may book what: qualifications for cars, farm machinery and the workshop; one cargo bike or trailer at once

DEMO_QUALIFICATIONS = [
    ("Cars", "Driving licence checked",
     "Show your driving licence to a coordinator at any hub during opening hours; it takes two minutes."),
    ("Farm machinery", "Tractor licence (T) and farm induction",
     "Show your tractor licence (T) at the Amelisweerd farm hub and join the farm induction, first Saturday of "
     "the month at 09:00."),
    ("Workshop equipment", "Workshop induction",
     "Join a workshop induction by a volunteer at the Lombok workshop, Wednesdays at 19:00 (one hour)."),
]
DEMO_AT_ONCE = {"Cargo bikes": 1, "Trailers": 1}
UNLIMITED_STATUSES = (BookingStatus.cancelled, BookingStatus.rejected)


def load_demo_eligibility(session: Session, now: datetime) -> int:
    """Who may book what in the demo: the qualifications above, granted to every member who booked or asked for
    such a category (some with an expiry a year ahead) and, expired, to a few who have not; and a limit of one
    cargo bike and one trailer at once per member. Bookings drawn earlier that would break that limit go to
    another member, so the demo's bookings keep the rules it shows. Deterministic; returns the grants made."""
    categories = {c.name: c for c in session.scalars(select(Category))}
    members = list(session.scalars(select(Member).order_by(Member.id)))
    coordinator = next(m for m in members if m.email == COORDINATOR_EMAIL)
    regulars = [m for m in members if m.role == Role.member]
    for name, limit in DEMO_AT_ONCE.items():
        category = categories[name]
        session.add(CategoryLimits(category_id=category.id, max_at_once=limit))
        _spread_overlaps(session, category, regulars)
    today = now.astimezone(zone(TOWN_ZONE)).date()
    granted = 0
    for category_name, name, how in DEMO_QUALIFICATIONS:
        category = categories[category_name]
        qualification = Qualification(name=name, how_to_get=how, created_at=now - timedelta(days=400),
                                      pool_id=category.pool_id)
        session.add(qualification)
        session.flush()
        session.add(CategoryQualification(category_id=category.id, qualification_id=qualification.id))
        users = set(session.scalars(select(Booking.member_id).join(Asset, Asset.id == Booking.asset_id)
                                    .where(Asset.category_id == category.id)))
        users |= set(session.scalars(select(FlexibleRequest.member_id)
                                     .where(FlexibleRequest.category_id == category.id)))
        for member in members:
            if member.id in users:
                expires = today + timedelta(days=365) if member.id % 4 == 0 else None
            elif member.role == Role.member and member.id % 23 == 0:
                expires = today - timedelta(days=10 + member.id % 60)  # expired: shows how renewal looks
            else:
                continue
            session.add(QualificationGrant(member_id=member.id, qualification_id=qualification.id, expires_on=expires,
                                           granted_by_id=coordinator.id,
                                           granted_at=now - timedelta(days=300 + member.id % 200)))
            granted += 1
    session.flush()
    return granted


def _spread_overlaps(session: Session, category: Category, regulars: list[Member]) -> None:
    """Hand each booking that would have its member hold two of the category at once to another member who holds
    none then (never to the demo member, whose page shows a chosen few)."""
    bookings = list(session.scalars(
        select(Booking).join(Asset, Asset.id == Booking.asset_id)
        .where(Asset.category_id == category.id, Booking.status.not_in(UNLIMITED_STATUSES))
        .order_by(Booking.start_at, Booking.id)))
    demo_member = next(m.id for m in regulars if m.email == MEMBER_EMAIL)
    held: dict[int, list[Booking]] = {}

    def free(member_id: int, booking: Booking) -> bool:
        return not any(b.start_at < booking.end_at and booking.start_at < b.end_at for b in held.get(member_id, []))

    for booking in bookings:
        if not free(booking.member_id, booking):
            turn = booking.id % len(regulars)
            for candidate in regulars[turn:] + regulars[:turn]:
                if candidate.id != demo_member and free(candidate.id, booking):
                    booking.member_id = candidate.id
                    break
        held.setdefault(booking.member_id, []).append(booking)
