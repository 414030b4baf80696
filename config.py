"""Configuration, read from environment variables with safe embedded defaults.

`create_app()` picks `DevelopmentConfig` unless `COMMONPOOL_ENV` says otherwise; tests pass their own
overrides. Nothing here reads a file or touches the network.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("COMMONPOOL_INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def body_limit_for(photo_max_bytes: int) -> int:
    """The largest request body: a photo base64-encoded in a JSON body (4 bytes for every 3), with 1 MB of room
    for the other fields."""
    return 4 * -(-photo_max_bytes // 3) + 1024 * 1024


def _default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'commonpool.sqlite'}"


class Config:
    PRODUCTION = False
    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_sqlite_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # A read replica (e.g. a PostgreSQL hot standby) that the dashboards, the open book and the public feeds read
    # from (app/read_replica.py); unset, they read the primary. One that cannot be reached is left alone, and the
    # primary read instead, for DATABASE_REPLICA_RETRY_SECONDS.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or None
    DATABASE_REPLICA_RETRY_SECONDS = float(os.environ.get("DATABASE_REPLICA_RETRY_SECONDS", 30))
    # PostgreSQL only: how long a statement waits for a lock before giving up (the request answers 503), and
    # how long a connection may sit idle inside a transaction (a hung worker) before the server ends it and
    # releases its locks. 0 turns either off.
    DB_LOCK_TIMEOUT_MS = int(os.environ.get("DB_LOCK_TIMEOUT_MS", 5000))
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = int(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", 30000))
    # How many times a request runs again when PostgreSQL aborts its transaction in a deadlock or a serialisation
    # failure (app/transaction.py).
    DB_TRANSACTION_RETRIES = int(os.environ.get("DB_TRANSACTION_RETRIES", 3))
    REDIS_URL = os.environ.get("REDIS_URL")
    # Connecting to Redis and each of its replies: a Redis that is down or hung fails a hand-over quickly.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", 5))
    # `flask rq worker` reconnects after a Redis outage, waiting 1 s, 2 s, 4 s ... up to this between tries.
    RQ_WORKER_MAX_BACKOFF_SECONDS = float(os.environ.get("RQ_WORKER_MAX_BACKOFF_SECONDS", 30))
    # Runs whose job died are recorded as failed by `flask bookings tick` and by the worker, when it starts and
    # then this often. A run this young without an RQ job may still be being handed over, and is left alone.
    RUN_REAPER_INTERVAL_SECONDS = int(os.environ.get("RUN_REAPER_INTERVAL_SECONDS", 60))
    RUN_HANDOVER_GRACE_SECONDS = float(os.environ.get("RUN_HANDOVER_GRACE_SECONDS", 60))
    # With Redis, an optimiser run whose problem falls apart into independent subproblems is solved as at most this
    # many RQ jobs, one per subproblem or batch of small ones, merged by a last job (app/split_runs.py); 1: never.
    OPTIMISER_SPLIT_PARTS = int(os.environ.get("OPTIMISER_SPLIT_PARTS", 8))

    # Notification email: SMTP when MAIL_SERVER is set, else written to the log. MAIL_DELIVERY: background
    # (the RQ worker after each commit that wrote notifications; without REDIS_URL `flask bookings tick`), inline,
    # or off (only `flask bookings tick` / `deliver-notifications`). A web worker never sends from a thread.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 587))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "commonpool@localhost")
    MAIL_DELIVERY = os.environ.get("MAIL_DELIVERY", "background")
    # Damage photos are stored here (under the instance folder, never under static/).
    PHOTO_DIR = os.environ.get("COMMONPOOL_PHOTO_DIR") or str(INSTANCE_DIR / "photos")
    # The largest damage photo accepted, in bytes: the one photo limit. Phone photos of 4-8 MB are normal; every
    # photo is re-encoded without its metadata and scaled down to 2048 px on the longer side, so this bounds
    # the upload, not what is stored. The forms state it; a larger photo is answered with 413. The request size
    # limit (MAX_CONTENT_LENGTH) follows from it.
    PHOTO_MAX_BYTES = int(os.environ.get("COMMONPOOL_PHOTO_MAX_BYTES", 10 * 1024 * 1024))

    # Sessions: the cookie only carries a per-member token that logout and password changes rotate.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # A login session ends after this long without a request, and this long after the login whatever happens;
    # the member then logs in again. Checked on the server from times the signed cookie carries.
    SESSION_IDLE_TIMEOUT_MINUTES = int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", 12 * 60))
    SESSION_ABSOLUTE_TIMEOUT_HOURS = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT_HOURS", 14 * 24))
    MAX_CONTENT_LENGTH = body_limit_for(PHOTO_MAX_BYTES)  # create_app derives it again after overrides
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token is bound to the session; a form left open overnight still works

    # Login throttling slows guessing down without locking the owner out. Failures are counted per account
    # from one client address and per client address. Past the limit, the N-th failure makes the next attempt
    # under that key wait 2**(N - limit) seconds (429 with Retry-After), at most LOGIN_MAX_DELAY_SECONDS; the
    # right password from another address is never delayed by these failures. Counts are forgotten after
    # LOGIN_FAILURE_WINDOW_MINUTES without a failure.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 30))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", 15))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", 900))
    # How many reverse proxies stand in front of the app (0: none, clients connect directly). Each one
    # appends the address it saw to X-Forwarded-For; the app takes the client's address (for login
    # throttling) and scheme from the last TRUSTED_PROXIES entries. Never set it higher than the real
    # number: a client could then choose its own address. X-Forwarded-Host is never trusted (TRUSTED_HOSTS).
    TRUSTED_PROXIES = int(os.environ.get("COMMONPOOL_TRUSTED_PROXIES", 0))

    # The zone used for search forms when no hub is chosen (the demo town's).
    DEFAULT_TIMEZONE = os.environ.get("COMMONPOOL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    # Geocoding is an outside call: off unless an operator turns it on.
    GEOCODING_ENABLED = _bool("COMMONPOOL_GEOCODING", False)
    GEOCODING_USER_AGENT = os.environ.get("COMMONPOOL_GEOCODING_USER_AGENT", "commonpool")
    # Where the site is, for the absolute links in documents that others keep: the GBFS feeds (cached
    # publicly), the OpenAPI `servers`, iCal feeds and their URL, printed QR labels. COMMONPOOL_BASE_URL is the
    # public address, e.g. https://pool.example.org (a path prefix is allowed); Flask's SERVER_NAME with
    # PREFERRED_URL_SCHEME does the same. When neither is set the links use the request's Host header, so
    # TRUSTED_HOSTS (comma-separated; a leading dot allows subdomains) must then list the names the site answers
    # to: any other Host is refused with 400. Production refuses to start with none of the three.
    BASE_URL = os.environ.get("COMMONPOOL_BASE_URL") or None
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    # The Strict-Transport-Security header sent on every response (production sends one by default; empty: none,
    # e.g. when the TLS proxy in front adds its own).
    STRICT_TRANSPORT_SECURITY = os.environ.get("COMMONPOOL_HSTS") or None

    # The map: no tile server by default (no outside calls); the hubs are then drawn by their coordinates.
    MAP_TILE_URL = os.environ.get("COMMONPOOL_MAP_TILE_URL") or None
    MAP_TILE_ATTRIBUTION = os.environ.get("COMMONPOOL_MAP_TILE_ATTRIBUTION", "")
    # GBFS system information (see fleet/feeds/gbfs.py for every key it reads; these are the ones a pool must set).
    GBFS_SYSTEM_ID = os.environ.get("GBFS_SYSTEM_ID", "commonpool")
    GBFS_SYSTEM_NAME = os.environ.get("GBFS_SYSTEM_NAME", "Commonpool")
    GBFS_FEED_CONTACT_EMAIL = os.environ.get("GBFS_FEED_CONTACT_EMAIL", "gbfs@example.org")
    # The Commons API documents under /commons-api/v1/ (app/feeds/commons_api.py): the project id others see,
    # and how many days of availability they list.
    COMMONS_API_PROJECT_ID = os.environ.get("COMMONS_API_PROJECT_ID", "commonpool")
    COMMONS_API_AVAILABILITY_DAYS = int(os.environ.get("COMMONS_API_AVAILABILITY_DAYS", 14))
    # Federation (fleet/federation): where this installation keeps its Ed25519 key pair is the database; the
    # display name partners see, and how long a signed request stays acceptable (seconds).
    FEDERATION_NAME = os.environ.get("COMMONPOOL_FEDERATION_NAME") or None
    FEDERATION_SIGNATURE_WINDOW = int(os.environ.get("COMMONPOOL_FEDERATION_SIGNATURE_WINDOW", 300))
    FEDERATION_HTTP_TIMEOUT = float(os.environ.get("COMMONPOOL_FEDERATION_HTTP_TIMEOUT", 10))


class DevelopmentConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestingConfig(Config):
    TESTING = True
    MAIL_DELIVERY = "off"  # tests deliver explicitly, with a fake sender; never SMTP
    MAIL_SERVER = None
    SECRET_KEY = "test-secret-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class ProductionConfig(Config):
    PRODUCTION = True  # create_app checks the settings a public deployment cannot do without
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
    STRICT_TRANSPORT_SECURITY = os.environ.get("COMMONPOOL_HSTS", "max-age=31536000") or None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    return CONFIGS[(name or os.environ.get("COMMONPOOL_ENV") or "development").lower()]
