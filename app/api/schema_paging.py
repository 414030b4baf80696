"""The paging parts of the OpenAPI document that every *_schemas module's operations share (a leaf module: the
*_schemas modules are imported by schemas.py, so they cannot import from it)."""
from __future__ import annotations

_REF = "#/components/schemas/"


def paging_params(query) -> list:
    """The `page` and `per_page` query parameters, built with openapi.py's `query` helper."""
    return [query("page", {"type": "integer", "minimum": 1, "maximum": 100000}),
            query("per_page", {"type": "integer", "minimum": 1, "maximum": 100})]


def page_of(name: str) -> dict:
    """A page of items of the component schema `name`."""
    return {"type": "object", "required": ["items", "page", "per_page", "total"],
            "properties": {"items": {"type": "array", "items": {"$ref": _REF + name}},
                           "page": {"type": "integer"}, "per_page": {"type": "integer"},
                           "total": {"type": "integer"}}}
