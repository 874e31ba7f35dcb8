"""Throwaway PostgreSQL and Redis servers for fault tests.

A test that stops, kills or restarts a database or a broker does it to a
server of its own, started here on a free port in a temporary folder, never
to the machine's shared ones on 5432 and 6379 (other test runs use those).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Callable[[], bool], seconds: float = 30.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def _port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True
    return False


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return path


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (trust auth, user ``postgres``) on a free port.

    PostgreSQL refuses to run as root, so as root the cluster belongs to the
    ``postgres`` system user.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="throwaway-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")  # fmt: skip

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        if self._user:
            command = ("runuser", "-u", self._user, "--", *command)
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.folder)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        if not wait_for(lambda: _port_open(self.port), 30):
            raise RuntimeError(self.log.read_text())

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends sessions cleanly, ``immediate`` is a crash."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def create_database(self, name: str) -> str:
        self._run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayRedis:
    """A Redis server of its own on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="throwaway-redis-"))

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", str(self.folder),
             "--pidfile", str(self.folder / "redis.pid"), "--logfile", str(self.folder / "redis.log")],
            check=True, capture_output=True,
        )  # fmt: skip
        if not wait_for(lambda: _port_open(self.port), 10):
            raise RuntimeError("Redis did not start")

    def is_up(self) -> bool:
        return _port_open(self.port)

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        if not wait_for(lambda: not _port_open(self.port), 10):
            raise RuntimeError("Redis did not stop")

    def destroy(self) -> None:
        if _port_open(self.port):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.destroy()


@contextlib.contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
