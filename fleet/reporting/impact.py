"""What sharing avoids: material (kg), embodied energy (MJ, kWh) and CO2e (kg), per category and for the pool,
over a rolling twelve months, each as low / central / high.

The factors ship in fleet/reporting/data/impact_factors.csv (one row per kind of asset, every number low / central /
high, every row with its source keys and its est / assume marks); the sources in impact_sources.csv. A
coordinator picks the row for each category and may override values; overrides are shown as such.

Method, per category and asset, for the year (shared/impact-factors.md):
  r_own  = max(1/Y, u_own / L)        new units a private owner buys per year
  r_sh   = max(1/Y, U_sh / L)         units per year the shared asset wears out; U_sh = held hours x use per
                                      booked hour (an assumption until the pool records km or hours at handover)
  N_av   = min(S, distinct members who used the asset in the year)   owned units avoided; summed over the
           assets of one type (a jigsaw), at most the distinct members who used any of them: a member who
           borrowed two jigsaws avoided buying one jigsaw, not two
  avoided_k = E_k x (N_av x r_own - r_sh)  for k in MJ, kg CO2e, kg material
Low and high are the smallest and largest results of the all-low, central and all-high input runs, so
low <= central <= high always holds. Members' answers, km driven before joining (step 5) and fetch trips
(step 6) are not recorded by the pool yet, so those terms are left out, and the page says so.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.errors import NotFound, ValidationFailed
from fleet.core.messages import Term, msg
from fleet.core.text import multi_line
from fleet.core.capabilities import normalise_text
from fleet.models import Asset, AssetStatus, Booking, Category, CategoryImpactFactors, Member
from fleet.members.permissions import require_coordinator
from fleet.reporting.meter_use import recorded_use_by_asset
from fleet.reporting.utilisation import BOOKED_STATUSES, Period, held_seconds_by_asset

DATA = Path(__file__).parent / "data"
SCENARIOS = ("low", "central", "high")
BANDED = ("energy_mj", "co2e_kg", "mass_kg", "usage_life", "owner_use", "substitution", "use_per_booked_hour")
OVERRIDABLE = ("energy_mj", "co2e_kg", "mass_kg", "usage_life", "owner_use", "substitution",
               "use_per_booked_hour", "calendar_life_years")
# Labels, claims and caveats are English templates (`msg`): the pages show them with `|translate_message`.
FIELD_LABELS = {
    "energy_mj": msg("Embodied energy (MJ per unit)"), "co2e_kg": msg("Embodied CO2e (kg per unit)"),
    "mass_kg": msg("Mass (kg)"), "usage_life": msg("Usage life"), "owner_use": msg("Owner's yearly use"),
    "substitution": msg("Owned units replaced per shared unit"), "use_per_booked_hour": msg("Use per booked hour"),
    "calendar_life_years": msg("Calendar life (years)"),
}
MJ_PER_KWH = 3.6

# Popular claims that are NOT factors: quoted only as claims, beside the measured figures.
CLAIMS_NOT_USED = [
    (msg("A drill is used 6-20 (or 13) minutes in its lifetime."),
     msg("No source: ST07 says 'supposedly'. Not used as a factor.")),
    (msg("Car sharing saves 80 percent of energy and material for the same mileage."),
     msg("No origin found; a shared car wears out by kilometres, so at equal mileage the embodied saving is much "
         "smaller. Not used as a factor.")),
]
CAVEATS = [
    msg("Additionality: some members would never have bought one; surveyed purchase avoidance is only 25-50% "
        "(LOT24)."),
    msg("Rebound: shared units wear out sooner; money saved is spent elsewhere; some members move from transit to "
        "cars (AMA20, ZG17)."),
    msg("Double counting across schemes: a member in two pools may be counted by both."),
    msg("The pool's own fleet overhead: an asset nobody uses still wears out by calendar time and counts against "
        "the total."),
    msg("Not counted yet: members' answers on what they sold or did not buy, car-km reduction (the pool does not "
        "record km driven before joining) and trips to fetch and return items (travel mode is not recorded)."),
    msg("A rolling annual figure, not a lifetime total; a loan is never counted as an avoided purchase by itself."),
]
# Default row for a category, by words in its name; coordinators confirm or change it.
DEFAULT_KEYWORDS = [
    ("cargo", "cargo_bike_electric"), ("bicycle", "bicycle"), ("bike", "bicycle"), ("electric car", "car_bev"),
    ("car", "car_ice"), ("drill", "cordless_drill"), ("power tool", "cordless_drill"), ("saw", "circular_saw"),
    ("workshop", "circular_saw"), ("mower", "petrol_lawn_mower"), ("garden", "petrol_lawn_mower"),
    ("ladder", "aluminium_ladder"), ("washer", "pressure_washer"), ("tractor", "tractor"), ("farm", "tractor"),
]


# --- the shipped factor table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Factors:
    key: str
    label: str
    use_unit: str
    bands: dict[str, tuple[float, float, float] | None]
    marks: dict[str, str]
    calendar_life_years: float
    per_tonne: bool
    sources: tuple[str, ...]
    note: str

    def value(self, name: str, scenario: str) -> float | None:
        if name == "calendar_life_years":
            return self.calendar_life_years
        band = self.bands.get(name)
        return None if band is None else band[SCENARIOS.index(scenario)]


def _number(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=1)
def factor_table() -> dict[str, Factors]:
    """The rows of fleet/reporting/data/impact_factors.csv, by key."""
    table = {}
    with open(DATA / "impact_factors.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            bands, marks = {}, {}
            for name in BANDED:
                triple = tuple(_number(row[f"{name}_{s}"]) for s in SCENARIOS)
                bands[name] = None if any(v is None for v in triple) else triple
                marks[name] = row.get(f"{name}_mark", "").strip()
            marks["calendar_life_years"] = row["calendar_life_mark"].strip()
            table[row["key"]] = Factors(row["key"], row["label"], row["use_unit"], bands, marks,
                                        float(row["calendar_life_years"]), row["per_tonne"] == "yes",
                                        tuple(row["sources"].split()), row["note"])
    return table


@lru_cache(maxsize=1)
def source_table() -> dict[str, str]:
    with open(DATA / "impact_sources.csv", newline="", encoding="utf-8") as handle:
        return {row["key"]: row["citation"] for row in csv.DictReader(handle)}


def default_factor_key(category: Category) -> str | None:
    name = category.name.lower()
    for word, key in DEFAULT_KEYWORDS:
        if word in name:
            return key
    return None


# --- coordinators' choices -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """Which factors apply to a category and where that choice came from."""

    factor_key: str | None
    overrides: dict[str, list[float]]
    note: str
    by_coordinator: bool
    updated_at: datetime | None = None


def category_choices(session: Session) -> dict[int, Choice]:
    stored = {c.category_id: c for c in session.scalars(select(CategoryImpactFactors))}
    choices = {}
    for category in session.scalars(select(Category).order_by(Category.name)):
        row = stored.get(category.id)
        if row is None:
            choices[category.id] = Choice(default_factor_key(category), {}, "", False)
        else:
            choices[category.id] = Choice(row.factor_key, dict(row.overrides or {}), row.note, True, row.updated_at)
    return choices


def _check_overrides(overrides: dict) -> dict[str, list[float]]:
    clean = {}
    for name, triple in (overrides or {}).items():
        if name not in OVERRIDABLE:
            raise ValidationFailed("'%(name)s' cannot be overridden.", field=name, name=name)
        label = Term(FIELD_LABELS[name])
        try:
            values = [float(v) for v in (triple if isinstance(triple, (list, tuple)) else [triple] * 3)]
        except (TypeError, ValueError):
            raise ValidationFailed("%(label)s: enter numbers.", field=name, label=label) from None
        if len(values) != 3 or any(v != v or v < 0 or v > 1e9 for v in values):
            raise ValidationFailed("%(label)s: enter low, central and high, each 0 or more.", field=name,
                                   label=label)
        if not values[0] <= values[1] <= values[2]:
            raise ValidationFailed("%(label)s: low <= central <= high.", field=name, label=label)
        if name in ("calendar_life_years", "usage_life") and values[0] <= 0:
            raise ValidationFailed("%(label)s must be more than 0.", field=name, label=label)
        clean[name] = values
    return clean


def set_category_factors(session: Session, actor: Member, category_id: int, factor_key: str | None,
                         overrides: dict, note: str, now: datetime) -> CategoryImpactFactors:
    """Choose a category's factor row (None: not counted) and override some of its values."""
    require_coordinator(actor)
    category = session.get(Category, category_id)
    if category is None or not actor.coordinates_pool(category.pool_id):
        raise NotFound("No such category.")
    if factor_key is not None and factor_key not in factor_table():
        raise ValidationFailed("Choose one of the factor rows, or none.", field="factor_key")
    clean = _check_overrides(overrides)
    if clean and factor_key is None:
        raise ValidationFailed("Choose a factor row before overriding its values.", field="factor_key")
    row = session.scalar(select(CategoryImpactFactors).where(CategoryImpactFactors.category_id == category_id))
    if row is None:
        row = CategoryImpactFactors(category_id=category_id)
        session.add(row)
    row.factor_key, row.overrides, row.note = factor_key, clean, multi_line(note, "note")[:2000]
    row.updated_by_id, row.updated_at = actor.id, now
    session.flush()
    return row


def reset_category_factors(session: Session, actor: Member, category_id: int) -> None:
    """Back to the default row for the category's name, without overrides."""
    require_coordinator(actor)
    category = session.get(Category, category_id)
    if category is None or not actor.coordinates_pool(category.pool_id):
        raise NotFound("No such category.")
    row = session.scalar(select(CategoryImpactFactors).where(CategoryImpactFactors.category_id == category_id))
    if row is not None:
        session.delete(row)
        session.flush()


# --- the calculation -------------------------------------------------------------------------------------------

@dataclass
class Band:
    low: float
    central: float
    high: float

    @classmethod
    def of(cls, runs: dict[str, float]) -> "Band":
        values = list(runs.values())
        return cls(min(values), runs["central"], max(values))

    def __add__(self, other: "Band") -> "Band":
        return Band(self.low + other.low, self.central + other.central, self.high + other.high)

    def as_dict(self, digits: int = 3) -> dict:
        return {"low": round(self.low, digits), "central": round(self.central, digits),
                "high": round(self.high, digits)}


ZERO = Band(0.0, 0.0, 0.0)


@dataclass
class AssetUse:
    asset_id: int
    name: str
    held_hours: float
    members: int
    per_scenario: dict[str, dict[str, float]]  # scenario -> {use, r_sh, n_av, units}
    # Use read off the meter at handover (km or hours) and the booked hours it covers; the rest of the held
    # hours is converted with the "use per booked hour" assumption.
    recorded_use: float = 0.0
    recorded_hours: float = 0.0
    asset_type: str = ""  # what it is inside its category; "" when not given

    def as_dict(self) -> dict:
        return {"asset_id": self.asset_id, "name": self.name, "type": self.asset_type or None,
                "held_hours": round(self.held_hours, 4),
                "distinct_members": self.members, "recorded_use": round(self.recorded_use, 4),
                "recorded_hours": round(self.recorded_hours, 4),
                "scenarios": {s: {k: round(v, 6) for k, v in d.items()} for s, d in self.per_scenario.items()}}


@dataclass
class CategoryImpact:
    category_id: int
    name: str
    choice: Choice
    factors: Factors | None
    inputs: dict[str, dict[str, float | None]] = field(default_factory=dict)  # scenario -> input -> value
    assets: list[AssetUse] = field(default_factory=list)
    units: Band = field(default_factory=lambda: Band(0, 0, 0))
    material_kg: Band = field(default_factory=lambda: Band(0, 0, 0))
    energy_mj: Band = field(default_factory=lambda: Band(0, 0, 0))
    co2e_kg: Band = field(default_factory=lambda: Band(0, 0, 0))
    # distinct members who used any asset of a type this year, by type (case and spaces ignored)
    type_members: dict[str, int] = field(default_factory=dict)

    @property
    def counted(self) -> bool:
        return self.factors is not None

    @property
    def energy_kwh(self) -> Band:
        return Band(self.energy_mj.low / MJ_PER_KWH, self.energy_mj.central / MJ_PER_KWH,
                    self.energy_mj.high / MJ_PER_KWH)

    def marks(self) -> dict[str, str]:
        if self.factors is None:
            return {}
        marks = dict(self.factors.marks)
        for name in self.choice.overrides:
            marks[name] = "override"
        return marks

    def as_dict(self, with_assets: bool = True) -> dict:
        body = {"category_id": self.category_id, "name": self.name, "counted": self.counted,
                "factor_key": self.choice.factor_key,
                "factor_label": self.factors.label if self.factors else None,
                "mapping": "coordinator" if self.choice.by_coordinator else "default (by category name)",
                "overrides": self.choice.overrides, "override_note": self.choice.note,
                "sources": list(self.factors.sources) if self.factors else [],
                "marks": self.marks(), "inputs": self.inputs,
                "avoided_units": self.units.as_dict(4), "material_kg": self.material_kg.as_dict(),
                "energy_mj": self.energy_mj.as_dict(), "energy_kwh": self.energy_kwh.as_dict(),
                "co2e_kg": self.co2e_kg.as_dict()}
        if with_assets:
            body["assets"] = [a.as_dict() for a in self.assets]
        return body


@dataclass
class ImpactReport:
    period: Period
    categories: list[CategoryImpact]

    def total(self, name: str) -> Band:
        band = Band(0.0, 0.0, 0.0)
        for c in self.categories:
            if c.counted:
                band = band + getattr(c, name)
        return band

    def as_dict(self, with_assets: bool = True) -> dict:
        return {"period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
                "pool": {k: self.total(k).as_dict() for k in ("material_kg", "energy_mj", "energy_kwh", "co2e_kg")}
                | {"avoided_units": self.total("units").as_dict(4)},
                "categories": [c.as_dict(with_assets) for c in self.categories],
                "method": __doc__.split("Method, per category and asset, for the year (shared/impact-factors.md):")[1]
                .split("Low and high")[0].strip(),
                "caveats": CAVEATS, "claims_not_used": [{"claim": c, "why": w} for c, w in CLAIMS_NOT_USED]}


def rolling_year(now: datetime) -> Period:
    """The twelve months up to now."""
    try:
        start = now.replace(year=now.year - 1)
    except ValueError:  # 29 February
        start = now.replace(year=now.year - 1, day=28)
    return Period(start, now)


def _effective(factors: Factors, overrides: dict[str, list[float]], name: str, scenario: str) -> float | None:
    if name in overrides:
        return overrides[name][SCENARIOS.index(scenario)]
    return factors.value(name, scenario)


def impact_report(session: Session, now: datetime, *, category_id: int | None = None,
                  pool_ids: set[int] | None = None) -> ImpactReport:
    """Avoided material, energy and CO2e over the twelve months up to `now`, per category and for the pool."""
    period = rolling_year(now)
    choices = category_choices(session)
    in_pools = set() if pool_ids is None else set(session.scalars(select(Category.id).where(
        Category.pool_id.in_(pool_ids))))
    table = factor_table()
    query = select(Asset.id, Asset.name, Asset.category_id, Asset.status, Category.name, Asset.asset_type).join(
        Category, Category.id == Asset.category_id)
    if category_id is not None:
        query = query.where(Asset.category_id == category_id)
    if pool_ids is not None:
        query = query.where(Category.pool_id.in_(pool_ids))
    assets = session.execute(query.order_by(Asset.id)).all()
    held = held_seconds_by_asset(session, period, [a[0] for a in assets])
    recorded = recorded_use_by_asset(session, period.start, period.end, [a[0] for a in assets])
    by_category: dict[int, CategoryImpact] = {}
    for cid, choice in choices.items():
        if (category_id is not None and cid != category_id) or (pool_ids is not None and cid not in in_pools):
            continue
        by_category[cid] = CategoryImpact(cid, "", choice, table.get(choice.factor_key) if choice.factor_key else None)
    type_members = members_by_type(session, period, category_id)
    for aid, name, cid, status, cat_name, kind in assets:
        impact = by_category[cid]
        impact.type_members = type_members.get(cid, {})
        impact.name = cat_name
        use = held.get(aid)
        # An asset nobody used this year still wears out (fleet overhead); a retired one no longer does.
        if use is None and status == AssetStatus.retired:
            continue
        read = recorded.get(aid)
        impact.assets.append(AssetUse(aid, name, (use or {}).get("seconds", 0) / 3600,
                                      (use or {}).get("members", 0), {},
                                      read.use if read else 0.0, read.hours if read else 0.0, kind or ""))
    categories = []
    for impact in by_category.values():
        if not impact.name:
            impact.name = session.get(Category, impact.category_id).name
        if impact.factors is not None:
            _compute(impact)
        categories.append(impact)
    return ImpactReport(period, sorted(categories, key=lambda c: c.name))


def members_by_type(session: Session, period: Period, category_id: int | None) -> dict[int, dict[str, int]]:
    """Per category, per asset type: the distinct members whose bookings held an asset of that type."""
    query = (select(Asset.category_id, Asset.asset_type, Booking.member_id).join(Booking, Booking.asset_id == Asset.id)
             .where(Booking.status.in_(BOOKED_STATUSES), Booking.start_at < period.end,
                    Booking.end_at > period.start, Asset.asset_type != "").distinct())
    if category_id is not None:
        query = query.where(Asset.category_id == category_id)
    members: dict[int, dict[str, set[int]]] = {}
    for cid, kind, member_id in session.execute(query):
        members.setdefault(cid, {}).setdefault(normalise_text(kind), set()).add(member_id)
    return {cid: {kind: len(ids) for kind, ids in kinds.items()} for cid, kinds in members.items()}


def _cap_by_type(impact: CategoryImpact, avoided: dict[int, float]) -> None:
    """Scale the assets' avoided units down so that one type's sum is at most its distinct members."""
    by_type: dict[str, list[int]] = {}
    for asset in impact.assets:
        if asset.asset_type:
            by_type.setdefault(normalise_text(asset.asset_type), []).append(asset.asset_id)
    for kind, ids in by_type.items():
        total, cap = sum(avoided[i] for i in ids), impact.type_members.get(kind, 0)
        if total > cap:
            for i in ids:
                avoided[i] = avoided[i] * cap / total if total else 0.0


def _compute(impact: CategoryImpact) -> None:
    f, overrides = impact.factors, impact.choice.overrides
    runs: dict[str, dict[str, float]] = {k: {} for k in ("units", "material_kg", "energy_mj", "co2e_kg")}
    for scenario in SCENARIOS:
        value = {name: _effective(f, overrides, name, scenario) for name in OVERRIDABLE}
        years, life = value["calendar_life_years"], value["usage_life"]
        owner_use, substitution = value["owner_use"], value["substitution"] or 0.0
        per_hour = value["use_per_booked_hour"] or 0.0
        r_own = max(1 / years, owner_use / life) if life and owner_use is not None else 1 / years
        avoided: dict[int, float] = {}
        for asset in impact.assets:
            avoided[asset.asset_id] = min(substitution, asset.members)
        _cap_by_type(impact, avoided)
        units = 0.0
        for asset in impact.assets:
            # actual wear where the meter was read at handover, the assumption for the rest
            used = asset.recorded_use + max(asset.held_hours - asset.recorded_hours, 0.0) * per_hour
            r_sh = max(1 / years, used / life) if life else 1 / years
            n_av = avoided[asset.asset_id]
            asset.per_scenario[scenario] = {"use": used, "r_sh": r_sh, "n_av": n_av, "units": n_av * r_own - r_sh}
            units += n_av * r_own - r_sh
        mass = value["mass_kg"] or 0.0
        scale = mass / 1000 if f.per_tonne else 1.0
        runs["units"][scenario] = units
        runs["material_kg"][scenario] = mass * units
        runs["energy_mj"][scenario] = value["energy_mj"] * scale * units
        runs["co2e_kg"][scenario] = value["co2e_kg"] * scale * units
        impact.inputs[scenario] = {**value, "r_own": r_own, "per_tonne": f.per_tonne}
    impact.units = Band.of(runs["units"])
    impact.material_kg = Band.of(runs["material_kg"])
    impact.energy_mj = Band.of(runs["energy_mj"])
    impact.co2e_kg = Band.of(runs["co2e_kg"])


# --- a member's share ---------------------------------------------------------------------------------------------

@dataclass
class ShareLine:
    category_id: int
    name: str
    hours: float
    bookings: int
    factors: Factors | None
    # What one privately owned unit embodies per year of ownership (E x r_own): what the member did not have to own.
    owned_material_kg: Band | None = None
    owned_energy_mj: Band | None = None
    owned_co2e_kg: Band | None = None

    def as_dict(self) -> dict:
        body = {"category_id": self.category_id, "name": self.name, "hours": round(self.hours, 4),
                "bookings": self.bookings, "factor_key": self.factors.key if self.factors else None}
        for k in ("owned_material_kg", "owned_energy_mj", "owned_co2e_kg"):
            band = getattr(self, k)
            body[k] = band.as_dict() if band else None
        return body


def member_share(session: Session, member: Member, now: datetime) -> tuple[Period, list[ShareLine]]:
    """Per category a member used in the twelve months up to now: their hours and bookings, and what owning
    one unit would have embodied per year instead (E x r_own, low / central / high)."""
    period = rolling_year(now)
    held = held_seconds_by_asset(session, period, member_id=member.id)
    if not held:
        return period, []
    rows = session.execute(select(Asset.id, Asset.category_id, Category.name)
                           .join(Category, Category.id == Asset.category_id).where(Asset.id.in_(list(held)))).all()
    choices, table = category_choices(session), factor_table()
    lines: dict[int, ShareLine] = {}
    for aid, cid, name in rows:
        choice = choices.get(cid)
        factors = table.get(choice.factor_key) if choice and choice.factor_key else None
        line = lines.setdefault(cid, ShareLine(cid, name, 0.0, 0, factors))
        line.hours += held[aid]["seconds"] / 3600
        line.bookings += held[aid]["bookings"]
    for line in lines.values():
        if line.factors is None:
            continue
        overrides = choices[line.category_id].overrides
        runs: dict[str, dict[str, float]] = {"m": {}, "e": {}, "c": {}}
        for scenario in SCENARIOS:
            v = {n: _effective(line.factors, overrides, n, scenario) for n in OVERRIDABLE}
            life, years = v["usage_life"], v["calendar_life_years"]
            r_own = max(1 / years, v["owner_use"] / life) if life and v["owner_use"] is not None else 1 / years
            mass = v["mass_kg"] or 0.0
            scale = mass / 1000 if line.factors.per_tonne else 1.0
            runs["m"][scenario] = mass * r_own
            runs["e"][scenario] = v["energy_mj"] * scale * r_own
            runs["c"][scenario] = v["co2e_kg"] * scale * r_own
        line.owned_material_kg, line.owned_energy_mj, line.owned_co2e_kg = (
            Band.of(runs["m"]), Band.of(runs["e"]), Band.of(runs["c"]))
    return period, sorted(lines.values(), key=lambda line: line.name)
