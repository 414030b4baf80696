"""Asset types inside a category: what an asset is ("jigsaw", "band saw", a car model), and the types a
request or a search asks for. A type is free text on the asset; the types of a category are those its assets
carry. Matching ignores case and surrounding spaces, the one rule of scheduling/capabilities.py."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.core.capabilities import normalise_text, type_matches
from fleet.core.errors import ValidationFailed
from fleet.core.text import single_line
from fleet.models import Asset, AssetStatus, Category

TYPE_MAX = 80
MAX_TYPES = 20

__all__ = ["TYPE_MAX", "category_types", "clean_type", "requested_types", "type_matches"]


def clean_type(text: str | None, field: str = "asset_type") -> str:
    """An asset's type as typed: one line, spaces trimmed, at most TYPE_MAX characters ("" for none)."""
    value = " ".join(single_line(text or "", field).split())
    if len(value) > TYPE_MAX:
        raise ValidationFailed("A type has at most %(count)s characters.", field=field, count=TYPE_MAX)
    return value


def category_types(session: Session, category_id: int) -> list[str]:
    """The types the category's assets (not retired) carry, each once (the first spelling), by name."""
    seen: dict[str, str] = {}
    for value in session.scalars(select(Asset.asset_type).where(
            Asset.category_id == category_id, Asset.status != AssetStatus.retired, Asset.asset_type != "")
            .order_by(Asset.asset_type)):
        seen.setdefault(normalise_text(value), value)
    return sorted(seen.values(), key=normalise_text)


def requested_types(session: Session, category: Category, values: Iterable[str] | None,
                    field: str = "asset_types") -> list[str]:
    """The types a request or a search asks for, checked against what the category has: each known type once,
    in the category's spelling. None or empty: any type. An unknown type is refused, naming it."""
    if values is None:
        return []
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ValidationFailed("Types must be a list of names.", field=field)
    known = {normalise_text(t): t for t in category_types(session, category.id)}
    out: list[str] = []
    for value in values:
        text = clean_type(value, field)
        if not text:
            continue
        spelled = known.get(normalise_text(text))
        if spelled is None:
            raise ValidationFailed("%(category)s has no asset of type '%(type)s'.", field=field,
                                   category=category.name, type=text)
        if spelled not in out:
            out.append(spelled)
    if len(out) > MAX_TYPES:
        raise ValidationFailed("Ask for at most %(count)s types.", field=field, count=MAX_TYPES)
    return out
