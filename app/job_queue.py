"""The Redis queue (RQ) that background work goes to when REDIS_URL is set: optimiser runs, fleet plans and
email delivery are enqueued on it, and `flask rq worker` takes them off."""
from __future__ import annotations

from flask import current_app

QUEUE_NAME = "commonpool"


def redis_connection():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])
