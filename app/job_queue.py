"""The Redis queue (RQ) that background work goes to when REDIS_URL is set: optimiser runs, fleet plans and
email delivery are enqueued on it, and `flask rq worker` takes them off."""
from __future__ import annotations

from flask import current_app

QUEUE_NAME = "commonpool"


def redis_connection():
    """A client for REDIS_URL. Connecting and each reply are bounded (REDIS_TIMEOUT_SECONDS), so that a Redis
    that is down or hung turns into an error a request can handle instead of a request that hangs; an RQ worker
    raises the reply timeout itself for its blocking reads."""
    from redis import Redis

    timeout = float(current_app.config.get("REDIS_TIMEOUT_SECONDS", 5))
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout)
