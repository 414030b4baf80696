"""Category names in the reader's language on the stats pages: the reports name categories by their default
name; before their tables are built, each name is swapped for the one the reader's language has (if any)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import current_language
from fleet.models import Category


def reader_names(session: Session) -> dict[int, str]:
    """{category id: its name in the reader's language, else its default name}."""
    language = current_language()
    return {c.id: c.name_in(language) for c in session.scalars(select(Category))}


def rename_categories(names: dict[int, str], *, report=None, impact=None, demand=(), share=()) -> None:
    """Rename in place the category rows and labels of the reports about to be shown."""
    if report is not None:
        for row in report.categories:
            row.name = names.get(row.id, row.name)
        for row in [*report.assets, *report.types]:
            row.category = names.get(row.category_id, row.category)
    if impact is not None:
        for line in impact.categories:
            line.name = names.get(line.category_id, line.name)
    for line in [*demand, *share]:
        line.name = names.get(line.category_id, line.name)
