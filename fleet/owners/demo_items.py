"""Members' own things in the demo community: about ten items (a cargo bike, drills, a trailer, a car ...)
lent by their owners inside weekly windows, with a few past loans and a couple coming up, so that the first
`make run` shows them on the map, in the search and on the owners' pages. Called by `fleet.demo`."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from fleet.core.localtime import localize, zone
from fleet.models import Booking, BookingStatus, Category, CategoryKind, Hub, Member, MeterUnit
from fleet.owners.listing import ItemInput, list_item
from fleet.owners.windows import WindowInput

ZONE = "Europe/Amsterdam"
EVENINGS_AND_WEEKENDS = [WindowInput(d, "17:00", "21:00") for d in range(5)] + \
    [WindowInput(d, "09:00", "18:00") for d in (5, 6)]
WEEKENDS = [WindowInput(d, "09:00", "18:00") for d in (5, 6)]
SATURDAY_MORNING = [WindowInput(5, "08:00", "14:00")]
PLACE_ADDRESS = "At a member's home, near this point"


@dataclass(frozen=True)
class _Item:
    category: str       # the demo's category key
    where: str          # a demo hub key, or "place" (the owner's own place)
    name: str
    capabilities: dict
    value_eur: int      # what the owner says it is worth (not a pool cost)
    windows: tuple
    approval: str
    share: int
    place_km: tuple[float, float] = (0.0, 0.0)  # north, east of the town centre, for "place"
    asset_type: str = ""


ITEMS = [
    _Item("cargo", "place", "Lotte's Babboe cargo bike", {"payload_kg": 80, "electric": True, "child_seats": 2}, 2400,
          tuple(EVENINGS_AND_WEEKENDS), "first_time", 80, (-0.4, 0.2), "front-loader"),
    _Item("power", "place", "Cordless drill Bosch (a neighbour's)", {"power_w": 400, "cordless": True,
                                                                     "weight_kg": 1.3}, 120,
          tuple(EVENINGS_AND_WEEKENDS), "none", 70, (0.8, -0.6), "cordless drill"),
    _Item("power", "station", "Hammer drill Metabo (a neighbour's)", {"power_w": 850, "cordless": False,
                                                                      "weight_kg": 3.0}, 160,
          tuple(WEEKENDS), "none", 70, asset_type="hammer drill"),
    _Item("trailer", "farm", "Box trailer 750 kg (a member's)", {"payload_kg": 550, "braked": False, "tipping": False,
                                                                 "length_m": 2.5}, 900,
          tuple(SATURDAY_MORNING), "every_booking", 85, asset_type="box trailer"),
    _Item("car", "station", "Renault Zoe (a member's)", {"seats": 5, "towbar": False, "range_km": 300,
                                                         "fuel": "electric"}, 14000,
          tuple(WEEKENDS), "first_time", 90, asset_type="Renault Zoe"),
    _Item("bicycle", "station", "Gazelle city bike (a member's)", {"electric": False, "frame_size": "M", "gears": 7},
          350, tuple(EVENINGS_AND_WEEKENDS), "none", 60, asset_type="city bike"),
    _Item("garden", "place", "Hedge trimmer (a neighbour's)", {"power_w": 500, "fuel": "battery",
                                                               "cutting_width_cm": 55}, 150,
          tuple(WEEKENDS), "none", 70, (-1.1, -0.9), "hedge trimmer"),
    _Item("garden", "station", "Battery lawn mower (a member's)", {"power_w": 900, "fuel": "battery",
                                                                   "cutting_width_cm": 40}, 300,
          tuple(WEEKENDS), "none", 70, asset_type="lawn mower"),
    _Item("cargo", "station", "Urban Arrow (a member's)", {"payload_kg": 125, "electric": True, "child_seats": 3},
          4500, tuple(WEEKENDS), "first_time", 85, asset_type="front-loader"),
    _Item("power", "station", "Random orbital sander (a member's)", {"power_w": 350, "cordless": False,
                                                                     "weight_kg": 1.6}, 90,
          tuple(EVENINGS_AND_WEEKENDS), "none", 70, asset_type="sander"),
]
PAST_SATURDAYS = (1, 2, 4, 5, 7)   # weeks back with a loan on the Saturday, item by item shifted
UPCOMING_SATURDAYS = (1, 2)        # weeks ahead


@dataclass
class OwnedDemo:
    items: int = 0
    hubs: int = 0
    bookings: int = 0


def _saturday(today: date, weeks: int) -> date:
    """The Saturday `weeks` weeks after (negative: before) the one ending this week."""
    this_saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    return this_saturday + timedelta(weeks=weeks)


def load_demo_owned_items(session: Session, now: datetime, owners: list[Member], borrowers: list[Member],
                          hubs: dict[str, Hub], categories: dict[str, Category], centre: tuple[float, float],
                          rng: random.Random) -> OwnedDemo:
    """List ITEMS for `owners` (one each, in order) and draw their loans among `borrowers`; flush only."""
    result = OwnedDemo()
    today = now.astimezone(zone(ZONE)).date()
    place_hubs: set[int] = set()
    for n, (spec, owner) in enumerate(zip(ITEMS, owners)):
        category = categories[spec.category]
        place = None
        if spec.where == "place":
            north, east = spec.place_km
            place = (round(centre[0] + north / 111.0, 5), round(centre[1] + east / 68.5, 5))
        listed_at = now - timedelta(days=100 - 3 * n)
        item = list_item(session, owner, ItemInput(
            name=spec.name, category_id=category.id, capabilities=dict(spec.capabilities), asset_type=spec.asset_type,
            hub_id=None if place else hubs[spec.where].id, place=place, timezone=ZONE,
            approval_mode=spec.approval, owner_share_percent=spec.share, windows=list(spec.windows)), listed_at)
        asset = item.asset
        if place is not None and asset.hub_id not in place_hubs:
            place_hubs.add(asset.hub_id)
            asset.hub.address = PLACE_ADDRESS
        asset.purchase_cost_minor, asset.purchase_date = spec.value_eur * 100, (listed_at - timedelta(days=400)).date()
        asset.meter_unit = {CategoryKind.vehicle: MeterUnit.km, CategoryKind.machine: MeterUnit.hours}.get(category.kind)
        asset.created_at = listed_at
        result.items += 1
        for weeks_back in PAST_SATURDAYS:
            result.bookings += _loan(session, asset.id, rng.choice(borrowers).id,
                                     _saturday(today, -weeks_back - n % 2), now, BookingStatus.completed)
        for weeks_ahead in UPCOMING_SATURDAYS:
            result.bookings += _loan(session, asset.id, rng.choice(borrowers).id, _saturday(today, weeks_ahead),
                                     now, BookingStatus.confirmed, decided_by=owner.id if spec.approval != "none"
                                     else None)
    result.hubs = len(place_hubs)
    session.flush()
    return result


def _loan(session: Session, asset_id: int, member_id: int, day: date, now: datetime, status: BookingStatus,
          decided_by: int | None = None) -> int:
    """A Saturday loan, 10:00 to 13:00 in town (inside every demo window), made a week before; 0 when it
    would not be wholly in the past or wholly ahead as its status says."""
    start = localize(datetime.combine(day, time(10)), ZONE)
    end = localize(datetime.combine(day, time(13)), ZONE)
    if (status == BookingStatus.completed and end > now) or (status != BookingStatus.completed and start <= now):
        return 0
    created = min(start - timedelta(days=7), now - timedelta(hours=1)).replace(second=0, microsecond=0)
    session.add(Booking(asset_id=asset_id, member_id=member_id, start_at=start, end_at=end, status=status,
                        note="", created_at=created, decision_reason="", decided_by_id=decided_by,
                        decided_at=min(created + timedelta(hours=2), now) if decided_by else None))
    return 1


