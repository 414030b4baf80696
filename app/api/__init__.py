"""The JSON API under /api/v1: bearer tokens only, RFC 9457 problem details for every error."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import auth, errors  # noqa: E402,F401  (hooks register on import)
from app.api import admin, bookings, catalogue, costs, me, openapi, requests, stats, tokens  # noqa: E402,F401
from app.api import planning  # noqa: E402,F401
from app.api import optimiser  # noqa: E402,F401
from app.api import governance  # noqa: E402,F401
from app.api import asset_photos  # noqa: E402,F401
from app.api import owners  # noqa: E402,F401
from app.api import prices  # noqa: E402,F401
from app.api import pools  # noqa: E402,F401
from app.api import eligibility  # noqa: E402,F401
from app.api import federation  # noqa: E402,F401
from app.api import agreements  # noqa: E402,F401
