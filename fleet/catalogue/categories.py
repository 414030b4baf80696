"""Coordinator services for categories and their booking rules."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.catalogue.capabilities import parse_schema
from fleet.catalogue.listing import list_by_name
from fleet.core.errors import Conflict, NotFound, ValidationFailed
from fleet.core.messages import Term, msg
from fleet.core.text import multi_line, single_line
from fleet.models import Category, CategoryKind, Member
from fleet.members.pools import pool_for_new_object, require_object_pool


def list_categories(session: Session, include_retired: bool = False, pool_ids: set[int] | None = None,
                    names_only: bool = False) -> list[Category]:
    """Categories by name; only those of `pool_ids` when given. `names_only`: loaded with only what a list to choose
    from shows (the rest loads on first use)."""
    shown = ("pool_id", "name", "name_translations") if names_only else None
    return list_by_name(session, Category, include_retired, pool_ids, shown)


def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("No such category.")
    return category


def get_coordinated_category(session: Session, actor: Member, category_id: int) -> Category:
    """A category of a pool `actor` coordinates; another pool's category is answered as a missing one."""
    category = session.get(Category, category_id)
    require_object_pool(session, actor, category.pool_id if category is not None else None,
                        NotFound("No such category."))
    return category


# The booking rules as messages name them.
RULE_LABELS = {
    "min_duration_minutes": msg("Min duration minutes"), "max_duration_minutes": msg("Max duration minutes"),
    "min_notice_minutes": msg("Min notice minutes"), "max_advance_days": msg("Max advance days"),
    "no_show_grace_minutes": msg("No show grace minutes"),
}


def _int_in(name: str, value, low: int, high: int) -> int:
    label = Term(RULE_LABELS.get(name, name))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("%(label)s must be a whole number.", field=name, label=label)
    if not low <= value <= high:
        raise ValidationFailed("%(label)s must be between %(low)s and %(high)s.", field=name, label=label, low=low,
                               high=high)
    return value


UNSET = object()
DEFAULT_NO_SHOW_GRACE_MINUTES = 30
CHECKLIST_ITEMS_MAX, CHECKLIST_ITEM_LENGTH = 20, 60


def _checklist_text(value: str | list | None) -> str:
    """One item per line; given as text (the form) or a list (the API)."""
    if isinstance(value, str):
        lines = multi_line(value, "condition_checklist").splitlines()
    else:
        lines = [single_line(str(item), "condition_checklist") for item in value or []]
    items = []
    for line in lines:
        item = " ".join(str(line).split())
        if not item or item in items:
            continue
        if len(item) > CHECKLIST_ITEM_LENGTH:
            raise ValidationFailed("Checklist items are at most %(count)s characters.",
                                   field="condition_checklist", count=CHECKLIST_ITEM_LENGTH)
        items.append(item)
    if len(items) > CHECKLIST_ITEMS_MAX:
        raise ValidationFailed("A checklist has at most %(count)s items.", field="condition_checklist",
                               count=CHECKLIST_ITEMS_MAX)
    return "\n".join(items)


NAME_LANGUAGE = re.compile(r"^[a-z]{2}$")


def _names(names: dict) -> dict[str, str] | None:
    """The name in other languages: {"fr": "Vélos cargo", "de": "Lastenräder"}; an empty one is dropped."""
    cleaned = {}
    for code, text in names.items():
        if not isinstance(code, str) or not NAME_LANGUAGE.match(code):
            raise ValidationFailed("'%(code)s' is not a language code such as fr or de.", field="names",
                                   code=str(code)[:10])
        text = single_line(str(text or ""), f"name_{code}")
        if len(text) > 120:
            raise ValidationFailed("Enter a name of at most 120 characters.", field=f"name_{code}")
        if text:
            cleaned[code] = text
    return cleaned or None


def _apply(session: Session, category: Category, *, name: str, kind: str, description: str,
           min_duration_minutes: int, max_duration_minutes: int, min_notice_minutes: int,
           max_advance_days: int, approval_required: bool, capability_schema: str | dict,
           handover_by_coordinator: bool | None = None, no_show_grace_minutes=UNSET,
           condition_checklist: str | list | None = None, names: dict | None = None) -> None:
    name = single_line(name, "name")
    description = multi_line(description, "description")
    if not name or len(name) > 120:
        raise ValidationFailed("Enter a name of at most 120 characters.", field="name")
    clash = session.scalar(select(Category.id).where(Category.pool_id == category.pool_id, Category.name == name,
                                                     Category.id != (category.id or 0)))
    if clash is not None:
        raise Conflict("A category named '%(name)s' exists already.", field="name", name=name)
    try:
        kind_value = CategoryKind(kind)
    except ValueError:
        raise ValidationFailed("Kind must be tool, machine or vehicle.", field="kind") from None
    min_d = _int_in("min_duration_minutes", min_duration_minutes, 1, 366 * 1440)
    max_d = _int_in("max_duration_minutes", max_duration_minutes, 1, 366 * 1440)
    if max_d < min_d:
        raise ValidationFailed("The maximum duration must be at least the minimum.", field="max_duration_minutes")
    schema = parse_schema(capability_schema) if isinstance(capability_schema, str) else \
        parse_schema(", ".join(f"{k}:{v}" for k, v in (capability_schema or {}).items()))
    category.name, category.kind, category.description = name, kind_value, description[:2000]
    category.min_duration_minutes, category.max_duration_minutes = min_d, max_d
    category.min_notice_minutes = _int_in("min_notice_minutes", min_notice_minutes, 0, 60 * 1440)
    category.max_advance_days = _int_in("max_advance_days", max_advance_days, 1, 3 * 366)
    category.approval_required = bool(approval_required)
    category.capability_schema = schema
    if handover_by_coordinator is not None:
        category.handover_by_coordinator = bool(handover_by_coordinator)
    elif category.handover_by_coordinator is None:
        category.handover_by_coordinator = False
    if no_show_grace_minutes is UNSET:
        if category.id is None:
            category.no_show_grace_minutes = DEFAULT_NO_SHOW_GRACE_MINUTES
    else:
        category.no_show_grace_minutes = None if no_show_grace_minutes is None else \
            _int_in("no_show_grace_minutes", no_show_grace_minutes, 0, 7 * 1440)
    if names is not None:
        category.name_translations = _names(names)
    if condition_checklist is not None:
        category.condition_checklist = _checklist_text(condition_checklist)
    elif category.condition_checklist is None:
        category.condition_checklist = ""


def create_category(session: Session, actor: Member, pool_id: int | None = None, **fields) -> Category:
    """A new category in pool `pool_id`, which `actor` coordinates (None: their only pool)."""
    category = Category(pool_id=pool_for_new_object(session, actor, pool_id))
    _apply(session, category, **fields)
    session.add(category)
    session.flush()
    return category


def update_category(session: Session, actor: Member, category_id: int, **fields) -> Category:
    category = get_coordinated_category(session, actor, category_id)
    _apply(session, category, **fields)
    session.flush()
    return category


def set_category_names(session: Session, actor: Member, category_id: int, names: dict) -> Category:
    """Replace the category's names in other languages (fleet.models.Category.name_in)."""
    category = get_coordinated_category(session, actor, category_id)
    category.name_translations = _names(names)
    session.flush()
    return category


def set_category_retired(session: Session, actor: Member, category_id: int, retired: bool) -> Category:
    category = get_coordinated_category(session, actor, category_id)
    category.retired = retired
    session.flush()
    return category
