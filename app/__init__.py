"""The Flask delivery layer. `create_app()` is a list of register steps; nothing here runs at import."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from config import INSTANCE_DIR, body_limit_for, config_for


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    from app.transaction import TransactionalFlask

    # its view runs again when PostgreSQL gives up the request's transaction in a deadlock (app/transaction.py)
    app = TransactionalFlask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.config.from_object(config_for(config_name))
    if overrides:
        app.config.update(overrides)
    if "MAX_CONTENT_LENGTH" not in (overrides or {}):
        app.config["MAX_CONTENT_LENGTH"] = body_limit_for(app.config["PHOTO_MAX_BYTES"])
    _ensure_secret_key(app, overrides or {})
    _check_public_address(app)
    _register_proxies(app)
    _register_domain()
    _register_database(app)
    _register_mail(app)
    _register_auth(app)
    _register_security(app)
    _register_transaction(app)
    _register_autocommit_reads(app)
    _register_blueprints(app)
    _register_i18n(app)
    _register_errors(app)
    _register_templates(app)
    _register_cli(app)
    return app


def _ensure_secret_key(app: Flask, overrides: dict) -> None:
    """Production must set SECRET_KEY. In development a key is kept in instance/ so restarts keep sessions."""
    if os.environ.get("SECRET_KEY") or app.config.get("TESTING") or "SECRET_KEY" in overrides:
        return
    if os.environ.get("COMMONPOOL_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in production")
    key_file = Path(app.instance_path) / "secret_key"
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    except OSError:
        pass  # read-only instance dir: keep the per-process random key from config


def _check_public_address(app: Flask) -> None:
    """Absolute links in feeds and documents need a trusted host name: production refuses to start without
    one, rather than take it from whatever Host header a client sends."""
    from app.urls import canonical_base_url, check_base_url

    check_base_url(app.config.get("BASE_URL"))
    if app.config.get("PRODUCTION") and not (app.config.get("TRUSTED_HOSTS") or canonical_base_url(app.config)):
        raise RuntimeError(
            "Production needs the site's public address: set COMMONPOOL_BASE_URL (e.g. https://pool.example.org), "
            "or SERVER_NAME and PREFERRED_URL_SCHEME, or TRUSTED_HOSTS (the host names it answers to, "
            "comma-separated). Without one, a forged Host header would end up in the links of the public feeds "
            "and documents.")


def _register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client address and scheme come from the headers they set;
    otherwise those headers are ignored, so a client cannot pick the address it is throttled under."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0, x_prefix=0)


def _register_domain() -> None:
    # Allocation subscribes to the booking layer's signals when imported (a freed slot wakes the waitlist,
    # an unusable asset moves its bookings): import it before any request, command or job can run.
    import fleet.allocation  # noqa: F401
    # Owners subscribe to `charge_posted`: a charge on a member's own item credits the owner's share.
    import fleet.owners  # noqa: F401


def _register_database(app: Flask) -> None:
    from app.extensions import db, migrate
    from app.read_replica import init_read_replica
    from fleet.core.sqlite import configure_sqlite_engine, enable_wal

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif uri.startswith("postgresql"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _postgres_engine_options(app)
    db.init_app(app)
    init_read_replica(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    with app.app_context():
        configure_sqlite_engine(db.engine)
        enable_wal(db.engine)  # a no-op once the file is in WAL mode, and on other databases


def _postgres_engine_options(app: Flask) -> dict:
    """Session settings sent at connect: a crashed or hung worker cannot hold locks for long."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    settings = [f"-c lock_timeout={int(app.config.get('DB_LOCK_TIMEOUT_MS', 0))}",
                f"-c idle_in_transaction_session_timeout={int(app.config.get('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 0))}"]
    connect_args["options"] = " ".join(filter(None, [connect_args.get("options", ""), *settings]))
    options["connect_args"] = connect_args
    return options


def _register_mail(app: Flask) -> None:
    from app.mail import init_mail

    init_mail(app)  # notifications written in a transaction are emailed once it commits


def _register_auth(app: Flask) -> None:
    from app.auth import init_login

    init_login(app)


def _register_security(app: Flask) -> None:
    from app.extensions import csrf
    from app.security import init_security
    from app.uploads import init_uploads

    init_uploads(app)
    csrf.init_app(app)
    init_security(app)


def _register_transaction(app: Flask) -> None:
    from app.transaction import init_transaction

    init_transaction(app)  # after the security headers: see init_transaction


def _register_autocommit_reads(app: Flask) -> None:
    from app.autocommit_reads import init_autocommit_reads

    init_autocommit_reads(app)


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.converters import IdConverter
    from app.extensions import csrf

    app.url_map.converters["id"] = IdConverter
    csrf.exempt(api_bp)  # bearer tokens, never cookies: no CSRF to defend against
    app.register_blueprint(api_bp)
    from app.api.federation import server_bp as federation_bp

    csrf.exempt(federation_bp)  # signed server-to-server requests, never cookies
    app.register_blueprint(federation_bp)
    from app.health import bp as health_bp

    app.register_blueprint(health_bp)
    from app.auth import bp as auth_bp
    from app.feeds import bp as feeds_bp
    from app.web.bookings import bp as bookings_bp
    from app.web.catalogue import bp as catalogue_bp
    from app.web.costs import bp as costs_bp
    from app.web.manage import bp as manage_bp
    from app.web.requests import bp as requests_bp
    from app.web.stats import bp as stats_bp
    # These pages add their routes to another module's blueprint (their endpoints are bookings.* and
    # catalogue.*), which therefore does not import them: import them before that blueprint is registered.
    from app.web import damage, handover, notification_settings, series  # noqa: F401
    from app.web import asset_photos, map as _map  # noqa: F401

    app.register_blueprint(auth_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(costs_bp)
    app.register_blueprint(feeds_bp)
    from app.web.governance import bp as governance_bp
    from app.web.owners import bp as owners_bp

    app.register_blueprint(governance_bp)
    app.register_blueprint(owners_bp)
    from app.web.prices import bp as prices_bp

    app.register_blueprint(prices_bp)
    from app.web.remote import bp as remote_bp

    app.register_blueprint(remote_bp)


def _register_i18n(app: Flask) -> None:
    from app.i18n import init_i18n

    init_i18n(app)


def _register_errors(app: Flask) -> None:
    from app.errors import init_errors

    init_errors(app)


def _register_templates(app: Flask) -> None:
    from app.templating import init_templating

    init_templating(app)


def _register_cli(app: Flask) -> None:
    from app.cli import init_cli

    init_cli(app)
