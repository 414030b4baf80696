"""JSON Schemas of pools in the API: a pool named inside other objects, and the pool administration."""
from __future__ import annotations

POOL_SUMMARY = {"type": "object", "required": ["id", "slug", "name"], "description": "The pool it belongs to",
                "properties": {"id": {"type": "integer", "minimum": 1}, "slug": {"type": "string"},
                               "name": {"type": "string"}}}
