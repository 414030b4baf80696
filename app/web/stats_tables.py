"""The tables and chart data behind the stats pages, built from service results (no queries here).

The same Table feeds the HTML table beside each chart and its CSV export, so the two cannot disagree."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fleet.impact import FIELD_LABELS, ImpactReport
from fleet.utilisation import WEEKDAYS, DemandRow, HeatMap, Report, Row

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: list[list]


def pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f} %"


def num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _util_row(row: Row, *extra) -> list:
    f = row.figures
    return [*extra, row.name, row.assets, round(f.booked_hours, 2), round(f.bookable_hours, 2),
            round(f.maintenance_hours, 2), pct(f.rate)]


UTIL_HEADER = ["Assets", "Booked h", "Bookable h", "Maintenance h", "Utilisation"]


def utilisation_tables(report: Report, with_assets: bool) -> dict[str, Table]:
    tables = {
        "pool": Table("pool", "Whole pool", ["Name", *UTIL_HEADER], [_util_row(report.pool)]),
        "categories": Table("categories", "By category", ["Category", *UTIL_HEADER],
                            [_util_row(r) for r in report.categories]),
        "hubs": Table("hubs", "By hub", ["Hub", *UTIL_HEADER], [_util_row(r) for r in report.hubs]),
        "weeks": Table("weeks", "Week by week", ["Week of", "Booked h", "Bookable h", "Utilisation"],
                       [[w.week_start.isoformat(), round(w.figures.booked_hours, 2),
                         round(w.figures.bookable_hours, 2), pct(w.figures.rate)] for w in report.weeks]),
    }
    if with_assets:
        tables["assets"] = Table("assets", "By asset", ["Hub", "Category", "Asset", *UTIL_HEADER],
                                 [_util_row(r, r.hub, r.category) for r in report.assets])
    return tables


def idle_table(report: Report, threshold: float) -> Table:
    return Table("idle", f"Idle assets (below {threshold * 100:g} % utilisation)",
                 ["Hub", "Category", "Asset", "Booked h", "Bookable h", "Utilisation"],
                 [[r.hub, r.category, r.name, round(r.figures.booked_hours, 2), round(r.figures.bookable_hours, 2),
                   pct(r.figures.rate)] for r in report.idle_assets(threshold)])


def demand_table(rows: list[DemandRow]) -> Table:
    return Table("demand", "Unmet demand beside supply",
                 ["Category", "Booked h", "Bookable h", "Unmet requests", "Unmet h", "Sources"],
                 [[r.name, round(r.supply.booked_hours, 2), round(r.supply.bookable_hours, 2), r.unmet_requests,
                   round(r.unmet_hours, 2), ", ".join(sorted(r.unmet)) or "–"] for r in rows])


def heat_table(heat: HeatMap) -> Table:
    return Table("heatmap", "Share of assets in use by hour of the week (local time)",
                 ["Day", *[f"{h:02d}" for h in range(24)]],
                 [[WEEKDAYS[d], *[pct(heat.share(d, h)) for h in range(24)]] for d in range(7)])


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
            rows.append([c.name, "not counted (no factor row)", *["–"] * 9, "", ""])
            continue
        marks = c.marks()
        flagged = ", ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in sorted(marks.items()) if v)
        rows.append([c.name, c.factors.label + (" (coordinator's choice)" if c.choice.by_coordinator else ""),
                     *_band(c.material_kg, 1), *_band(c.energy_kwh), *_band(c.co2e_kg),
                     flagged, " ".join(c.factors.sources)])
    rows.append(["Whole pool", "", *_band(report.total("material_kg"), 1), *_band(report.total("energy_kwh")),
                 *_band(report.total("co2e_kg")), "", ""])
    return Table("impact", "Avoided in the last twelve months",
                 ["Category", "Factors", "Material kg low", "Material kg central", "Material kg high",
                  "Energy kWh low", "Energy kWh central", "Energy kWh high", "CO2e kg low", "CO2e kg central",
                  "CO2e kg high", "Estimates, assumptions and overrides", "Sources"], rows)


def utilisation_chart(rows: list[Row]) -> dict:
    return {"type": "bar", "labels": [r.name for r in rows],
            "datasets": [{"label": "Utilisation %", "data": [None if r.figures.rate is None
                                                             else round(r.figures.rate * 100, 2) for r in rows]}],
            "unit": "%"}


def weekly_chart(report: Report) -> dict:
    return {"type": "line", "labels": [w.week_start.isoformat() for w in report.weeks],
            "datasets": [{"label": "Utilisation %", "data": [None if w.figures.rate is None
                                                             else round(w.figures.rate * 100, 2)
                                                             for w in report.weeks]}], "unit": "%"}


def impact_chart(report: ImpactReport) -> dict:
    counted = [c for c in report.categories if c.counted]
    return {"type": "bar", "labels": [c.name for c in counted],
            "datasets": [{"label": "CO2e kg low", "data": [round(c.co2e_kg.low, 1) for c in counted]},
                         {"label": "CO2e kg central", "data": [round(c.co2e_kg.central, 1) for c in counted]},
                         {"label": "CO2e kg high", "data": [round(c.co2e_kg.high, 1) for c in counted]}],
            "unit": "kg"}


def demand_chart(rows: list[DemandRow]) -> dict:
    return {"type": "bar", "labels": [r.name for r in rows],
            "datasets": [{"label": "Booked h", "data": [round(r.supply.booked_hours, 1) for r in rows]},
                         {"label": "Unmet h", "data": [round(r.unmet_hours, 1) for r in rows]}], "unit": "h"}


def neutralise(cell) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in table.header])
    for row in table.rows:
        writer.writerow([neutralise(c) for c in row])
    return buffer.getvalue()
