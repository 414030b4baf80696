"""Security headers (the CSP allows the map's tile server, when one is set), trusted hosts, control characters in
query strings and the safe-redirect rule."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

from fleet.core.errors import ValidationFailed
from fleet.core.text import control_character, describe, shown

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_security(app: Flask) -> None:
    csp = CSP
    origin = tile_origin(app.config.get("MAP_TILE_URL"))
    if origin:  # an operator-chosen tile server is the only outside origin a page may load images from
        csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")

    hsts = app.config.get("STRICT_TRANSPORT_SECURITY")

    @app.before_request
    def _refuse_control_characters_in_query():
        # Query parameters go straight into searches and lookups, with no service in between to check them
        # (form fields and JSON bodies are checked by the services and app/api/input.py, which name the field).
        # NUL, for one, makes PostgreSQL refuse the query.
        for name, value in request.args.items(multi=True):
            for text in (name, value):
                char = control_character(text)
                if char is not None:
                    raise ValidationFailed("%(where)s contains a control character (%(code)s), which is not "
                                           "allowed.", field=shown(name), where=shown(name),
                                           code=describe(char))

    @app.after_request
    def _headers(response):
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def tile_origin(url: str | None) -> str | None:
    """The origin of the map's tile server (MAP_TILE_URL), which the CSP must allow for images when tiles are on."""
    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else None


def is_safe_next(target: str | None) -> bool:
    """Only local absolute paths: no scheme, no host, no protocol-relative '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and all(ord(c) >= 32 for c in target)
