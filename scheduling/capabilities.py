"""When an asset's capabilities meet a request's requirements: the one rule for the optimiser and for the
pool's own search, booking and re-planning alike (fleet imports this module; it needs nothing but Python).

- numbers: the asset offers at least the number asked (booleans are not numbers here);
- booleans: asking true needs true; asking false asks for nothing;
- text: equal, ignoring case and surrounding spaces, so "Diesel" meets "diesel": people type both, and a
  match must not depend on which path (instant answer or batch run) judges it.

Types follow the text rule: an asset meets a request's allowed types when its own type equals one of them,
ignoring case and surrounding spaces; no allowed types means any type (an untyped asset included).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def normalise_text(value: str) -> str:
    return value.strip().casefold()


def capability_matches(have: Any, want: Any) -> bool:
    """Does the offered value `have` meet the required value `want`?"""
    if isinstance(want, bool):
        return have is True if want else True
    if isinstance(want, (int, float)):
        return isinstance(have, (int, float)) and not isinstance(have, bool) and have >= want
    if isinstance(want, str):
        return isinstance(have, str) and normalise_text(have) == normalise_text(want)
    return False


def capabilities_hold(requires: Mapping[str, Any], capabilities: Mapping[str, Any]) -> bool:
    """Every requirement is met by the asset's capabilities (a missing capability meets only 'false')."""
    return all(capability_matches(capabilities.get(name), want) for name, want in requires.items())


def type_matches(allowed: Iterable[str] | None, asset_type: str | None) -> bool:
    """Is an asset of type `asset_type` one of the `allowed` types (none allowed: any type)?"""
    wanted = {normalise_text(t) for t in (allowed or ())}
    if not wanted:
        return True
    return isinstance(asset_type, str) and normalise_text(asset_type) in wanted
