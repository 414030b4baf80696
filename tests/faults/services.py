"""Services the fault tests start, stop and kill on their own: a redis-server on a free port (never the shared one
on 6379, which other test runs use), and helpers around processes."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None


class RedisServer:
    """A throw-away redis-server on its own port, without persistence (a restart starts empty, as after a
    crash of a Redis that keeps nothing on disk)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="commonpool-redis-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not port_open(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop it at once (SIGKILL: nothing is saved, clients see the connection drop)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        deadline = time.monotonic() + 10
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """`pid` and everything it started (an RQ work horse runs in its own process group, so killing the
    worker's group would leave it running; a supervisor such as systemd kills the whole tree)."""
    for child in children(pid):
        kill_tree(child, sig)
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def app_env(database_url: str, redis_url: str | None, instance_dir: Path, **extra: str) -> dict:
    """The environment of a production-like Commonpool process started by a test."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "fault-suite-secret", "FLASK_APP": "wsgi.py",
           "COMMONPOOL_ENV": "production", "COMMONPOOL_INSTANCE_DIR": str(instance_dir),
           "COMMONPOOL_BASE_URL": "http://127.0.0.1",  # production refuses to start without its public address
           "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env
