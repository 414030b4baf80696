"""Security headers (the CSP allows the map's tile server, when one is set), trusted hosts and the safe-redirect rule."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def init_security(app: Flask) -> None:
    csp = CSP
    origin = tile_origin(app.config.get("MAP_TILE_URL"))
    if origin:  # an operator-chosen tile server is the only outside origin a page may load images from
        csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")

    hsts = app.config.get("STRICT_TRANSPORT_SECURITY")

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
