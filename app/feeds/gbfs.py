"""The GBFS feed under /gbfs/: v3.0 files plus vehicle_availability.json from v3.1-RC3.

What goes in and how is decided in fleet.feeds.gbfs; this module reads the operator's settings from config
(every key optional, see `settings()`), adds absolute URLs (from the public address, app/urls.py) and answers
with JSON. The files are public:
no login, any origin may read them.
"""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app

from app.read_replica import read_only_session
from app.urls import external_url
from fleet.feeds import gbfs
from fleet.core.db import utcnow

bp = Blueprint("gbfs", __name__, url_prefix="/gbfs")


def settings() -> gbfs.GbfsSettings:
    """Config keys: GBFS_SYSTEM_ID, SITE_NAME / GBFS_SYSTEM_NAME, GBFS_LANGUAGE, GBFS_TIMEZONE (else
    DEFAULT_TIMEZONE), GBFS_OPENING_HOURS, GBFS_OPERATOR, GBFS_SYSTEM_URL (else the catalogue), GBFS_EMAIL,
    GBFS_FEED_CONTACT_EMAIL, GBFS_LICENSE_ID, GBFS_LICENSE_URL, GBFS_TTL, GBFS_AVAILABILITY_DAYS,
    GBFS_FORM_FACTORS, GBFS_DEFAULT_RANGE_KM."""
    cfg = current_app.config
    secret = str(cfg.get("SECRET_KEY") or "").encode()
    return gbfs.GbfsSettings(
        feed_contact_email=cfg.get("GBFS_FEED_CONTACT_EMAIL", "gbfs@example.org"),
        system_id=cfg.get("GBFS_SYSTEM_ID", "commonpool"),
        name=cfg.get("GBFS_SYSTEM_NAME") or cfg.get("SITE_NAME", "Commonpool"),
        language=cfg.get("GBFS_LANGUAGE", "en"),
        timezone=cfg.get("GBFS_TIMEZONE") or cfg.get("DEFAULT_TIMEZONE", "Europe/Amsterdam"),
        opening_hours=cfg.get("GBFS_OPENING_HOURS", "24/7"),
        operator=cfg.get("GBFS_OPERATOR"),
        url=cfg.get("GBFS_SYSTEM_URL") or external_url("catalogue.search"),
        email=cfg.get("GBFS_EMAIL"),
        license_id=cfg.get("GBFS_LICENSE_ID"),
        license_url=cfg.get("GBFS_LICENSE_URL"),
        ttl=int(cfg.get("GBFS_TTL", 300)),
        availability_days=int(cfg.get("GBFS_AVAILABILITY_DAYS", 7)),
        form_factors=dict(cfg.get("GBFS_FORM_FACTORS") or gbfs.DEFAULT_FORM_FACTORS),
        default_range_km=dict(cfg.get("GBFS_DEFAULT_RANGE_KM") or gbfs.DEFAULT_RANGE_KM),
        # A key of its own, derived from SECRET_KEY, for the rotating vehicle ids.
        vehicle_id_key=hashlib.sha256(b"commonpool-gbfs-vehicle-id:" + secret).digest(),
    )


def _now():
    # Whole seconds: the same instant reads the same in every file of one refresh.
    return utcnow().replace(microsecond=0)


def _json(document: dict):
    response = current_app.response_class(json.dumps(document, ensure_ascii=False), mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={document['ttl']}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/gbfs.json")
def gbfs_json():
    urls = {name: external_url(f"feeds.gbfs.{name}") for name in gbfs.FEED_NAMES}
    return _json(gbfs.discovery(urls, _now(), settings()))


@bp.route("/system_information.json")
def system_information():
    return _json(gbfs.system_information(settings(), _now()))


@bp.route("/vehicle_types.json")
def vehicle_types():
    return _json(gbfs.vehicle_types(read_only_session(), settings(), _now()))


@bp.route("/system_pricing_plans.json")
def system_pricing_plans():
    return _json(gbfs.system_pricing_plans(read_only_session(), settings(), _now()))


@bp.route("/station_information.json")
def station_information():
    def station_url(hub) -> str:
        return external_url("catalogue.search", hub=hub.id)

    return _json(gbfs.station_information(read_only_session(), settings(), _now(), station_url=station_url))


@bp.route("/station_status.json")
def station_status():
    return _json(gbfs.station_status(read_only_session(), settings(), _now()))


@bp.route("/vehicle_availability.json")
def vehicle_availability():
    return _json(gbfs.vehicle_availability(read_only_session(), settings(), _now()))
