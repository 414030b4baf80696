"""Importing a pool's assets from a CSV file: every row checked by the same service as the asset form, a
preview with each row's errors, and then all rows at once or none.

Columns (header names, any order): name, category, hub (names, as in the catalogue), and optionally type
(what it is inside its category: "jigsaw", "band saw"), status,
description, design_url, design_licence, purchase_cost (e.g. 1250.50), currency, purchase_date
(YYYY-MM-DD, not in the future), meter_unit (km or hours), and cap_<capability> for each capability of the
category. `template` writes a file with every column, to fill in.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.catalogue.assets import create_asset
from fleet.core.money import parse_amount
from fleet.core.errors import DomainError, ValidationFailed
from fleet.core.text import control_character, describe
from fleet.models import Category, Hub, Member
from fleet.members.permissions import require_coordinator
from fleet.members.pools import coordinated_pool_ids

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
REQUIRED = ("name", "category", "hub")


@dataclass
class RowResult:
    line: int
    name: str
    # each a DomainError (a template with its values, see fleet/core/messages.py); `.message` is the English
    errors: list[DomainError] = field(default_factory=list)
    asset_id: int | None = None


@dataclass
class ImportResult:
    rows: list[RowResult]
    applied: bool

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def _read(text: str) -> list[dict[str, str]]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationFailed("The file is larger than %(size)s KiB.", field="file", size=MAX_BYTES // 1024)
    for number, line in enumerate(text.split("\n"), start=1):
        char = control_character(line)
        if char is not None:  # before the csv module or a query sees it: PostgreSQL cannot even store NUL
            raise ValidationFailed("Line %(line)s of the file contains a control character (%(code)s), which is "
                                   "not allowed.", field="file", line=number, code=describe(char))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise ValidationFailed("The first line must name the columns; missing: %(columns)s.", field="file",
                               columns=", ".join(missing))
    reader.fieldnames = headers
    rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    if not rows:
        raise ValidationFailed("The file has a header but no rows.", field="file")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed("At most %(count)s rows at a time.", field="file", count=MAX_ROWS)
    return rows


def _fields(session: Session, row: dict[str, str], categories: dict[str, Category], hubs: dict[str, Hub]) -> dict:
    category = categories.get(row.get("category", "").lower())
    if category is None:
        raise ValidationFailed("No category named '%(name)s'.", field="category", name=row.get("category", ""))
    hub = hubs.get(row.get("hub", "").lower())
    if hub is None:
        raise ValidationFailed("No hub named '%(name)s'.", field="hub", name=row.get("hub", ""))
    cost = row.get("purchase_cost", "")
    capabilities = {k[4:]: v for k, v in row.items() if k.startswith("cap_") and v != ""}
    schema = category.capability_schema or {}
    unknown = sorted(set(capabilities) - set(schema))
    if unknown:  # name the column as the file does, and the columns this category takes
        if not schema:
            raise ValidationFailed("Unknown column 'cap_%(name)s': %(category)s has no capabilities.",
                                   field="capabilities", name=unknown[0], category=category.name)
        raise ValidationFailed("Unknown column 'cap_%(name)s' for %(category)s; its capability columns are "
                               "%(columns)s.", field="capabilities", name=unknown[0], category=category.name,
                               columns=", ".join(f"cap_{k}" for k in sorted(schema)))
    day = row.get("purchase_date", "")
    try:
        purchase_date = date.fromisoformat(day) if day else None
    except ValueError:
        raise ValidationFailed("'%(text)s' is not a date (YYYY-MM-DD).", field="purchase_date", text=day) from None
    return dict(name=row.get("name", ""), category_id=category.id, hub_id=hub.id,
                capabilities=capabilities,
                status=row.get("status") or "active", description=row.get("description", ""),
                design_url=row.get("design_url", ""), design_licence=row.get("design_licence", ""),
                purchase_cost_minor=parse_amount(cost, field="purchase_cost") if cost else None,
                currency=row.get("currency") or "EUR", purchase_date=purchase_date,
                meter_unit=row.get("meter_unit") or None, asset_type=row.get("type", ""))


OPTIONAL = ("type", "status", "description", "design_url", "design_licence", "purchase_cost", "currency",
            "purchase_date", "meter_unit")


def template_rows(session: Session, actor: Member, example_name: str) -> list[list[str]]:
    """A CSV template: the header with every column the pool's categories take, and one example row per
    category at the first hub, so that a coordinator fills in a file the import reads."""
    require_coordinator(actor)
    mine = coordinated_pool_ids(session, actor)
    categories = list(session.scalars(select(Category).where(Category.retired.is_(False), Category.pool_id.in_(mine))
                                      .order_by(Category.name)))
    hub = session.scalars(select(Hub).where(Hub.retired.is_(False), Hub.pool_id.in_(mine)).order_by(Hub.name)).first()
    capabilities = sorted({name for c in categories for name in (c.capability_schema or {})})
    header = [*REQUIRED, *OPTIONAL, *(f"cap_{name}" for name in capabilities)]
    rows = [header]
    for category in categories:
        row = dict(name=example_name, category=category.name, hub=hub.name if hub else "", status="active",
                   currency="EUR")
        rows.append([row.get(column, "") for column in header])
    return rows


def import_assets(session: Session, actor: Member, text: str, *, apply: bool, now: datetime) -> ImportResult:
    """Check every row (and create them all when `apply` and every row is good). Each row runs in a savepoint
    through the asset service; a preview rolls every savepoint back, so nothing is written."""
    require_coordinator(actor)
    rows = _read(text)
    mine = coordinated_pool_ids(session, actor)  # names of other pools' hubs and categories are unknown here
    categories = {c.name.lower(): c for c in session.scalars(select(Category).where(
        Category.retired.is_(False), Category.pool_id.in_(mine)))}
    hubs = {h.name.lower(): h for h in session.scalars(select(Hub).where(Hub.retired.is_(False), Hub.pool_id.in_(mine)))}
    seen: dict[tuple[str, int], int] = {}
    results = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        result = RowResult(line, row.get("name", ""))
        savepoint = session.begin_nested()
        try:
            asset = create_asset(session, actor, now=now, **_fields(session, row, categories, hubs))
            result.asset_id = asset.id
            key = (asset.name.lower(), asset.hub_id)
            if key in seen:
                result.errors.append(ValidationFailed("Same name and hub as line %(line)s.", line=seen[key]))
            seen.setdefault(key, line)
        except DomainError as exc:
            result.errors.append(exc)
        savepoint.rollback()
        results.append(result)
    outcome = ImportResult(results, applied=False)
    if apply and outcome.valid:
        for result, row in zip(results, rows):
            result.asset_id = create_asset(session, actor, now=now, **_fields(session, row, categories, hubs)).id
        outcome.applied = True
        session.flush()
    return outcome

