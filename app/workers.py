"""The RQ workers that run Commonpool's background jobs: `Worker` for `flask rq worker`, `SimpleWorker` (no fork,
in the calling process) for tests, and `work_until_stopped`, the loop that keeps a worker going through Redis
outages. Kept apart from app/jobs.py so that the web app does not import rq."""
from __future__ import annotations

import logging
import signal
import time
from typing import Callable

import redis
from rq import Queue
from rq import SimpleWorker as _SimpleWorker
from rq import Worker as _Worker

log = logging.getLogger(__name__)

# How long rq's command listener (stop a job, shut down) waits on one read of its pub/sub channel.
COMMAND_READ_SECONDS = 1
FIRST_BACKOFF_SECONDS = 1.0


class _PromptExit:
    """rq reads its command channel in a thread that waits up to 60 s per read. On stopping, rq unsubscribes
    (which wakes that read) before it tells the thread to end; a thread that wakes in between starts another
    full read, and redis-py (8.x) waits for that thread in stop(). A worker could then take a minute to exit
    after `--burst` empties the queue or after SIGTERM, longer than most process managers wait before they
    kill it. Reading one second at a time bounds the exit to about a second; an idle read costs a thread
    wake-up per second and no Redis traffic, and a command still arrives as soon as it is published."""

    def subscribe(self) -> None:
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_READ_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler)


class _KnowsWhyItStopped:
    """rq's work() returns both when it was asked to stop (SIGTERM, SIGINT) and when it gave up on an error it
    does not handle, such as Redis going away in the middle of a job; `work_until_stopped` needs to know which."""

    stop_requested = False

    def request_stop(self, signum, frame):
        self.stop_requested = True
        return super().request_stop(signum, frame)


class _ReapsStoppedRuns:
    """rq's maintenance runs when a worker starts and then every `maintenance_interval` seconds between jobs: the
    worker also records as failed the runs whose job died (with a worker that was killed, or with the Redis data),
    so a worker coming back after a crash settles what its predecessor left open. It closes the proposals whose
    decision period ended too (app/governance_jobs.py), and fetches the federation partners that are due
    (app/federation_jobs.py)."""

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        try:
            from app.jobs import close_proposals, federation, reap_stopped_runs

            reap_stopped_runs(connection=self.connection)
            close_proposals()
            federation()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            raise
        except Exception:  # noqa: BLE001 - housekeeping must not stop the worker
            self.log.exception("Worker %s: recording stopped runs failed", self.name)


class _RegistersAgain:
    """After Redis restarts without its data, rq reconnects but its heartbeat writes back only the time of the
    beat: the worker's host and process id are gone, so whether a job it started is still being computed could
    not be told until its key expires. The worker registers itself again instead, as when it started."""

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is None and not self.connection.exists(self.key):
            self.log.warning("Worker %s: Redis lost this worker's registration; registering again", self.name)
            self.register_birth()
        return super().heartbeat(timeout, pipeline)


class Worker(_PromptExit, _KnowsWhyItStopped, _RegistersAgain, _ReapsStoppedRuns, _Worker):
    """rq's forking worker, one work horse process per job."""


class SimpleWorker(_PromptExit, _KnowsWhyItStopped, _RegistersAgain, _ReapsStoppedRuns, _SimpleWorker):
    """rq's worker that runs each job in the worker's own process, without forking."""


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


def work_until_stopped(connect: Callable[[], redis.Redis], queue_names: list[str], *, burst: bool = False,
                       max_backoff: float = 30.0, on_start: Callable[[redis.Redis], None] | None = None,
                       worker_class: type = Worker, sleep: Callable[[float], None] = time.sleep,
                       **worker_options) -> None:
    """Run a worker until it is asked to stop (or, with `burst`, until the queues are empty), through Redis
    outages: when Redis cannot be reached, or the worker gave up on an error, wait and start a new worker, 1 s,
    2 s, 4 s ... up to `max_backoff` apart, logging each try. `on_start(connection)` runs each time a worker
    starts; `worker_options` go to the worker class."""
    delay, attempt = FIRST_BACKOFF_SECONDS, 0
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:  # between workers, a stop request ends the loop at once
        signal.signal(sig, _raise_stop)
    try:
        while True:
            try:
                connection = connect()
                connection.ping()
                if attempt:
                    log.warning("Redis answers again after %s failed tries: starting a worker", attempt)
                delay, attempt = FIRST_BACKOFF_SECONDS, 0
                if on_start is not None:
                    try:
                        on_start(connection)
                    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                        raise
                    except Exception:  # noqa: BLE001 - housekeeping must not keep the worker from working
                        log.exception("the worker's start-up task failed; the worker starts anyway")
                worker = worker_class([Queue(name, connection=connection) for name in queue_names],
                                      connection=connection, **worker_options)
                worker.max_connection_wait_time = max_backoff  # rq's own reconnect wait while it dequeues
                worker.work(burst=burst)
                if worker.stop_requested:
                    return
                connection.ping()  # raises when Redis is what made the worker give up
                if burst:
                    return
                log.warning("the worker stopped on an error; starting a new one in %.0f s", delay)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                attempt += 1
                log.warning("Redis cannot be reached (%s: %s); trying again in %.0f s (try %s)",
                            type(exc).__name__, exc, delay, attempt)
            for sig in (signal.SIGTERM, signal.SIGINT):  # rq's handlers are installed only while it works
                signal.signal(sig, _raise_stop)
            sleep(delay)
            delay = min(delay * 2, max_backoff)
    except _Stop:
        log.info("worker loop: stopping on request")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
