"""The tables and chart data behind the stats pages, built from service results (no queries here).

The same Table feeds the HTML table beside each chart and its CSV export, so the two cannot disagree. Titles,
headers and labels are in the request's language (a co-op opens the CSV in a spreadsheet in its own language);
the figures stay as they are: numbers are numbers in the CSV, and the page formats them in the locale
(`cell_text`)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date, format_skeleton, get_day_names
from flask_babel import get_locale, gettext

from app.i18n import DEFAULT_LOCALE, format_decimal, format_number, format_percent
from fleet.reporting.impact import FIELD_LABELS, ImpactReport
from fleet.reporting.utilisation import DemandRow, HeatMap, MeterUse, Report, Row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_PATTERN = "dd MMM y"


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list]


@dataclass(frozen=True)
class Percent:
    """A share in a table cell. The CSV writes it as it always has ("12.3 %", "–"); the page shows it in the
    locale ("12,3 %")."""

    rate: float | None

    def __str__(self) -> str:
        return pct(self.rate)


def pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f} %"


def cell_text(cell) -> str:
    """A table cell on the page: numbers and dates in the current locale, text as it is."""
    if isinstance(cell, Percent):
        return format_percent(cell.rate)
    if isinstance(cell, bool) or cell is None:
        return "" if cell is None else str(cell)
    if isinstance(cell, int):
        return format_number(cell)
    if isinstance(cell, float):
        # as many decimals as a reader can use: 11,297 h, 38.8 h, 2.35 t (the CSV keeps every digit)
        size = abs(cell)
        return format_decimal(cell, 0 if size >= 1000 else 1 if size >= 10 else 2)
    if isinstance(cell, date):
        return format_date(cell, DATE_PATTERN, locale=_locale())
    return str(cell)


def _locale():
    return get_locale() or DEFAULT_LOCALE


def _weekday(d: int) -> str:
    """Monday = 0, abbreviated in the current locale (Mon, lun., Mo.)."""
    return get_day_names("abbreviated", locale=_locale())[d]


def source_label(name: str) -> str:
    """A source of unmet demand ("rejected_bookings") as people read it; the words are in app.i18n."""
    return gettext(name.replace("_", " "))


def _util_row(row: Row, *extra) -> list:
    f = row.figures
    return [*extra, row.name, row.assets, round(f.booked_hours, 2), round(f.bookable_hours, 2),
            round(f.maintenance_hours, 2), Percent(f.rate)]


def _util_header() -> list[str]:
    return [gettext("Assets"), gettext("Booked h"), gettext("Bookable h"), gettext("Maintenance h"),
            gettext("Utilisation")]


def _meter_header() -> list[str]:
    return [gettext("Recorded km"), gettext("Recorded engine h"), gettext("Engine h / booked h")]


def meter_cells(meters: MeterUse) -> list:
    """Recorded km, recorded engine hours and their share of the booked hours: "–" where there is no meter of
    that kind, "no readings" where there are meters but no booking was read at both ends."""
    none = gettext("no readings")
    km = "–" if not meters.km_meters else round(meters.km, 1) if meters.km_readings else none
    if not meters.hour_meters:
        return [km, "–", "–"]
    if not meters.hour_readings:
        return [km, none, none]
    return [km, round(meters.engine_hours, 2), Percent(meters.run_share)]


def utilisation_tables(report: Report, with_assets: bool, with_meters: bool = False) -> dict[str, Table]:
    """The utilisation tables; `with_meters` adds recorded use to the categories and assets (the report must
    have been made with_meter_use). The new columns come last, so existing CSV columns keep their places."""
    header = _util_header()
    meter_header = _meter_header() if with_meters else []

    def meters(row: Row) -> list:
        return meter_cells(row.meters) if with_meters else []

    tables = {
        "pool": Table("pool", gettext("Whole pool"), [gettext("Name"), *header], [_util_row(report.pool)]),
        "categories": Table("categories", gettext("By category"), [gettext("Category"), *header, *meter_header],
                            [[*_util_row(r), *meters(r)] for r in report.categories]),
        "hubs": Table("hubs", gettext("By hub"), [gettext("Hub"), *header], [_util_row(r) for r in report.hubs]),
        "types": Table("types", gettext("By type"), [gettext("Category"), gettext("Type"), *header],
                       [_util_row(r, r.category) for r in report.types]),
        "weeks": Table("weeks", gettext("Week by week"),
                       [gettext("Week of"), gettext("Booked h"), gettext("Bookable h"), gettext("Utilisation")],
                       [[w.week_start, round(w.figures.booked_hours, 2), round(w.figures.bookable_hours, 2),
                         Percent(w.figures.rate)] for w in report.weeks]),
    }
    if with_assets:
        tables["assets"] = Table("assets", gettext("By asset"),
                                 [gettext("Hub"), gettext("Category"), gettext("Asset"), *header, *meter_header],
                                 [[*_util_row(r, r.hub, r.category), *meters(r)] for r in report.assets])
    return tables


def idle_table(report: Report, threshold: float) -> Table:
    digits = 0 if float(threshold * 100).is_integer() else 1
    return Table("idle", gettext("Idle assets (below %(threshold)s utilisation)",
                                 threshold=format_percent(threshold, digits)),
                 [gettext("Hub"), gettext("Category"), gettext("Asset"), gettext("Booked h"), gettext("Bookable h"),
                  gettext("Utilisation")],
                 [[r.hub, r.category, r.name, round(r.figures.booked_hours, 2), round(r.figures.bookable_hours, 2),
                   Percent(r.figures.rate)] for r in report.idle_assets(threshold)])


def demand_table(rows: list[DemandRow]) -> Table:
    return Table("demand", gettext("Unmet demand beside supply"),
                 [gettext("Category"), gettext("Booked h"), gettext("Bookable h"), gettext("Unmet requests"),
                  gettext("Unmet h"), gettext("Sources")],
                 [[r.name, round(r.supply.booked_hours, 2), round(r.supply.bookable_hours, 2), r.unmet_requests,
                   round(r.unmet_hours, 2), ", ".join(source_label(s) for s in sorted(r.unmet)) or "–"]
                  for r in rows])


def heat_table(heat: HeatMap) -> Table:
    return Table("heatmap", gettext("Share of assets in use by hour of the week (local time)"),
                 [gettext("Day"), *[f"{h:02d}" for h in range(24)]],
                 [[_weekday(d), *[Percent(heat.share(d, h)) for h in range(24)]] for d in range(7)])


def heat_classes(heat: HeatMap) -> list[list[str]]:
    """A CSS class per cell (heat-0 .. heat-10): the page's CSP forbids inline styles."""
    out = []
    for d in range(7):
        out.append([f"heat-{min(10, round((heat.share(d, h) or 0) * 10))}" for h in range(24)])
    return out


def _band(band, digits=0) -> list[float]:
    # numbers stay numbers: a spreadsheet sums them, and a negative one is not mistaken for a formula
    return [round(band.low, digits), round(band.central, digits), round(band.high, digits)]


def impact_table(report: ImpactReport) -> Table:
    rows = []
    for c in report.categories:
        if not c.counted:
            rows.append([c.name, gettext("not counted (no factor row)"), *["–"] * 9, "", ""])
            continue
        marks = c.marks()
        flagged = ", ".join(gettext("%(field)s: %(mark)s", field=gettext(FIELD_LABELS.get(k, k)), mark=v)
                            for k, v in sorted(marks.items()) if v)
        label = gettext(c.factors.label)
        if c.choice.by_coordinator:
            label = gettext("%(factors)s (coordinator's choice)", factors=label)
        rows.append([c.name, label, *_band(c.material_kg, 1), *_band(c.energy_kwh), *_band(c.co2e_kg),
                     flagged, " ".join(c.factors.sources)])
    rows.append([gettext("Whole pool"), "", *_band(report.total("material_kg"), 1),
                 *_band(report.total("energy_kwh")), *_band(report.total("co2e_kg")), "", ""])
    return Table("impact", gettext("Avoided in the last twelve months"),
                 [gettext("Category"), gettext("Factors"), gettext("Material kg low"), gettext("Material kg central"),
                  gettext("Material kg high"), gettext("Energy kWh low"), gettext("Energy kWh central"),
                  gettext("Energy kWh high"), gettext("CO2e kg low"), gettext("CO2e kg central"),
                  gettext("CO2e kg high"), gettext("Estimates, assumptions and overrides"), gettext("Sources")], rows)


def share_table(lines) -> Table:
    """A member's share (fleet.reporting.impact.member_share): hours and bookings per category, and what owning one would
    have embodied per year; the last row is the total over the categories that have factors."""
    rows = []
    for line in lines:
        band = line.owned_co2e_kg
        rows.append([line.name, round(line.hours, 2), line.bookings,
                     *(_band(band, 1) if band else ["–"] * 3),
                     *(_band(line.owned_material_kg, 2) if line.owned_material_kg else ["–"] * 3)])
    if lines:
        co2e, material = total_band(line.owned_co2e_kg for line in lines), total_band(line.owned_material_kg for line in lines)
        rows.append([gettext("Total"), round(sum(line.hours for line in lines), 2), sum(line.bookings for line in lines),
                     *(_band(co2e, 1) if co2e else ["–"] * 3), *(_band(material, 2) if material else ["–"] * 3)])
    # Every header names its own figure: on a phone each becomes the label of a value in a card.
    return Table("share", gettext("What you used and did not have to own"),
                 [gettext("Category"), gettext("Hours"), gettext("Bookings"), gettext("Owning one: CO2e kg/yr low"),
                  gettext("CO2e kg/yr central"), gettext("CO2e kg/yr high"), gettext("Material kg/yr low"),
                  gettext("Material kg/yr central"), gettext("Material kg/yr high")], rows)


def total_band(bands):
    """The sum of the bands that are there (low with low, central with central, high with high); None if none are."""
    present = [b for b in bands if b]
    if not present:
        return None
    total = present[0]
    for band in present[1:]:
        total = total + band
    return total


def share_chart(lines) -> dict:
    """A member's hours per category, beside the table."""
    return {"type": "bar", "labels": [line.name for line in lines],
            "datasets": [{"label": gettext("Hours"), "data": [round(line.hours, 1) for line in lines]}],
            "unit": gettext("hours")}


# Charts: labels and legends in the current language; the axis title says the unit.

def _rates(rows) -> list[float | None]:
    return [None if r.figures.rate is None else round(r.figures.rate * 100, 2) for r in rows]


def utilisation_chart(rows: list[Row]) -> dict:
    return {"type": "bar", "labels": [r.name for r in rows],
            "datasets": [{"label": gettext("Utilisation %"), "data": _rates(rows)}], "unit": "%"}


def weekly_chart(report: Report) -> dict:
    return {"type": "line",
            "labels": [format_skeleton("yMMMd", w.week_start, locale=_locale()) for w in report.weeks],
            "datasets": [{"label": gettext("Utilisation %"), "data": _rates(report.weeks)}], "unit": "%"}


def impact_chart(report: ImpactReport) -> dict:
    counted = [c for c in report.categories if c.counted]
    return {"type": "bar", "labels": [c.name for c in counted],
            "datasets": [{"label": gettext("CO2e kg low"), "data": [round(c.co2e_kg.low, 1) for c in counted]},
                         {"label": gettext("CO2e kg central"),
                          "data": [round(c.co2e_kg.central, 1) for c in counted]},
                         {"label": gettext("CO2e kg high"), "data": [round(c.co2e_kg.high, 1) for c in counted]}],
            "unit": gettext("kg CO2e")}


def demand_chart(rows: list[DemandRow]) -> dict:
    return {"type": "bar", "labels": [r.name for r in rows],
            "datasets": [{"label": gettext("Booked h"), "data": [round(r.supply.booked_hours, 1) for r in rows]},
                         {"label": gettext("Unmet h"), "data": [round(r.unmet_hours, 1) for r in rows]}],
            "unit": gettext("hours")}


def neutralise(cell) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(table: Table) -> str:
    """The table as CSV: headers and labels as on the page, numbers as plain numbers (a dot for decimals),
    dates as ISO 8601."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        writer.writerow([neutralise(c) for c in row])
    return buffer.getvalue()
