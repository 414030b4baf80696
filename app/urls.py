"""Absolute URLs for documents that leave the site: GBFS feeds (cached publicly), the OpenAPI `servers`, iCal
feeds, the calendar URL and printed QR labels.

They are built from the canonical base URL when the operator has set one (COMMONPOOL_BASE_URL, or Flask's
SERVER_NAME with PREFERRED_URL_SCHEME), never from the request's Host header: a forged Host must not end up in
a document that a cache, a calendar app or a printed label keeps. Without a base URL (development, or behind
TRUSTED_HOSTS, which already refuses foreign hosts) the request's own host is used.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app, request, url_for


def canonical_base_url(config: Mapping) -> str | None:
    """'https://pool.example.org' (or with a path prefix, without a trailing slash), or None when unset."""
    base = (config.get("BASE_URL") or "").strip()
    if base:
        return base.rstrip("/")
    server_name = config.get("SERVER_NAME")
    if server_name:
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server_name}{root}"
    return None


def check_base_url(value: str | None) -> None:
    """Refuse a COMMONPOOL_BASE_URL that cannot be a site's address, at start-up rather than in every link."""
    if not value:
        return
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise RuntimeError(f"COMMONPOOL_BASE_URL must be the site's public address, such as "
                           f"https://pool.example.org (scheme, host, optional port and path), not {value!r}")


def external_url(endpoint: str, **values) -> str:
    """Like url_for(endpoint, _external=True), but from the canonical base URL when one is set."""
    base = canonical_base_url(current_app.config)
    if base is None:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def external_root() -> str:
    """The site's absolute root without a trailing slash: the canonical base URL, else the request's."""
    return canonical_base_url(current_app.config) or request.url_root.rstrip("/")


def external_host() -> str | None:
    """The canonical host name (no port), or None when no base URL is set."""
    base = canonical_base_url(current_app.config)
    return urlsplit(base).hostname if base else None
