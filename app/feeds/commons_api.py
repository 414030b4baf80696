"""The Commons API documents under /commons-api/v1/ (what goes in: fleet.feeds.commons_api).

Public (no login, any origin), JSON, cacheable: each answer has a strong ETag (a hash of its body) and
Cache-Control; a request whose If-None-Match names the current ETag gets 304 without a body. Federation
partners fetch them this way (fleet.federation.subscription)."""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, abort, current_app, request
from sqlalchemy import select

from app.read_replica import read_only_session
from app.federation_calls import installation_name
from app.urls import external_url
from fleet.core.db import utcnow
from fleet.feeds import commons_api
from fleet.members.pools import public_pool_ids
from fleet.models import Pool

bp = Blueprint("commons_api", __name__, url_prefix="/commons-api/v1")
MAX_AGE = 300


def settings() -> commons_api.CommonsApiSettings:
    cfg = current_app.config
    return commons_api.CommonsApiSettings(
        project_id=cfg.get("COMMONS_API_PROJECT_ID", "commonpool"),
        name=installation_name(),
        url=external_url("catalogue.search"),
        language=cfg.get("BABEL_DEFAULT_LOCALE", "en"),
        availability_days=int(cfg.get("COMMONS_API_AVAILABILITY_DAYS", 14)),
    )


def links() -> commons_api.Links:
    return commons_api.Links(
        asset_page=lambda asset: external_url("catalogue.asset_page", asset_id=asset.id),
        photo=lambda photo: external_url("catalogue.asset_photo", asset_id=photo.asset_id, photo_id=photo.id),
        hub_page=lambda hub: external_url("catalogue.search", hub=hub.id),
    )


def cacheable_json(document: dict, max_age: int = MAX_AGE):
    """The document as JSON with a strong ETag; 304 when the client already holds it."""
    body = json.dumps(document, ensure_ascii=False, sort_keys=True)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.if_none_match.contains(etag):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Length", None)
    return response


def published() -> commons_api.Selection:
    """The public pools' catalogues, or one of them with `?pool=<slug>` (each pool publishes its own)."""
    slug = request.args.get("pool", "").strip()
    pools = public_pool_ids(read_only_session())
    if slug:
        pool_id = read_only_session().scalar(select(Pool.id).where(Pool.slug == slug[:60]))
        if pool_id not in pools:
            abort(404)
        pools = {pool_id}
    return commons_api.Selection(pool_ids=frozenset(pools))


@bp.route("/items.json")
def items():
    return cacheable_json(commons_api.items(read_only_session(), settings(), links(), published()))


@bp.route("/locations.json")
def locations():
    return cacheable_json(commons_api.locations(read_only_session(), links(), published()))


@bp.route("/owners.json")
def owners():
    return cacheable_json(commons_api.owners(read_only_session(), settings(), links(), published()))


@bp.route("/projects.json")
def projects():
    return cacheable_json(commons_api.projects(settings()))


@bp.route("/availability.json")
def availability():
    # Whole minutes: the document stays the same (and its ETag with it) for a minute at a time.
    now = utcnow().replace(second=0, microsecond=0)
    return cacheable_json(commons_api.availability(read_only_session(), settings(), now, published()), max_age=60)
