"""The worker loop of `flask rq worker` (app/workers.py): through Redis outages it waits 1 s, 2 s, 4 s ... up to a
cap, logs each try, starts a new worker when rq gave up on an error, and stops only when asked to."""
from __future__ import annotations

import logging

import redis

from app.workers import work_until_stopped


class FakeConnection:
    def __init__(self, script: list):
        self.script = script

    def ping(self):
        outcome = self.script.pop(0) if self.script else True
        if outcome is not True:
            raise outcome
        return True


def _worker_class(runs: list):
    """Workers whose work() plays the next entry of `runs`: "stop" (asked to stop), "gave-up" (rq returned on an
    error) or "done" (a burst that emptied the queue)."""

    class FakeWorker:
        started = []

        def __init__(self, queues, connection):
            self.stop_requested = False
            FakeWorker.started.append(self)

        def work(self, burst=False):
            outcome = runs.pop(0)
            self.stop_requested = outcome == "stop"

    return FakeWorker


def test_the_wait_between_tries_doubles_up_to_the_cap_and_each_try_is_logged(caplog):
    down = redis.exceptions.ConnectionError("Connection refused")
    pings = [down] * 6 + [True]
    sleeps, starts = [], []
    worker_class = _worker_class(["stop"])
    with caplog.at_level(logging.WARNING, logger="app.workers"):
        work_until_stopped(lambda: FakeConnection(pings), [], max_backoff=8, worker_class=worker_class,
                           sleep=sleeps.append, on_start=starts.append)
    assert sleeps == [1, 2, 4, 8, 8, 8]
    assert len(worker_class.started) == 1 and len(starts) == 1
    tries = [r.getMessage() for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(tries) == 6 and "try 6" in tries[-1] and "Connection refused" in tries[0]
    assert any("answers again after 6 failed tries" in r.getMessage() for r in caplog.records)


def test_a_worker_that_gave_up_because_redis_went_away_is_replaced(caplog):
    down = redis.exceptions.ConnectionError("Connection reset by peer")
    # start: ping ok; work() gives up; the check after it finds Redis gone; two failed tries; then back
    pings = [True, down, down, down, True]
    sleeps = []
    worker_class = _worker_class(["gave-up", "stop"])
    work_until_stopped(lambda: FakeConnection(pings), [], max_backoff=30, worker_class=worker_class,
                       sleep=sleeps.append)
    assert len(worker_class.started) == 2
    assert sleeps == [1, 2, 4]


def test_a_worker_that_gave_up_on_another_error_is_replaced_too():
    sleeps = []
    worker_class = _worker_class(["gave-up", "stop"])
    work_until_stopped(lambda: FakeConnection([]), [], worker_class=worker_class, sleep=sleeps.append)
    assert len(worker_class.started) == 2 and sleeps == [1]


def test_a_burst_ends_when_the_queue_is_empty():
    sleeps = []
    worker_class = _worker_class(["done"])
    work_until_stopped(lambda: FakeConnection([]), [], burst=True, worker_class=worker_class, sleep=sleeps.append)
    assert len(worker_class.started) == 1 and sleeps == []


def test_a_failing_start_up_task_does_not_keep_the_worker_from_working():
    def broken(connection):
        raise RuntimeError("the database is not there")

    worker_class = _worker_class(["stop"])
    work_until_stopped(lambda: FakeConnection([]), [], worker_class=worker_class, sleep=lambda s: None,
                       on_start=broken)
    assert len(worker_class.started) == 1
