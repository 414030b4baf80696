"""The RQ workers that run Commonpool's background jobs: `Worker` for `flask rq worker`, `SimpleWorker` (no fork,
in the calling process) for tests. Kept apart from app/jobs.py so that the web app does not import rq."""
from __future__ import annotations

from rq import SimpleWorker as _SimpleWorker
from rq import Worker as _Worker

# How long rq's command listener (stop a job, shut down) waits on one read of its pub/sub channel.
COMMAND_READ_SECONDS = 1


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


class Worker(_PromptExit, _Worker):
    """rq's forking worker, one work horse process per job."""


class SimpleWorker(_PromptExit, _SimpleWorker):
    """rq's worker that runs each job in the worker's own process, without forking."""
