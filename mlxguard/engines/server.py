"""Managed servers: a server definition's command, started, waited for, and always stopped.

The server gets a free local port (`{port}`) and the model directory (`{model}`), runs in its own
session with its output in a log file, and is ready when `GET {URL}/models` answers 200. It is
stopped with SIGTERM to its process group, then SIGKILL after a grace period, at the end of the
run or on any failure or Ctrl-C. When it dies, or never gets ready, the error quotes its log.

A watchdog process (`mlxguard.engines.watchdog`) stops the server's group when mlxguard ends
without stopping it (killed with SIGKILL): no server outlives the run under init.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlxguard.config import EngineDefinition
from mlxguard.engines import children
from mlxguard.engines.definitions import fill
from mlxguard.engines.watchdog import stop_group
from mlxguard.errors import UsageError
from mlxguard.fsutil import read_tail

READY_TIMEOUT_S = 120.0
GRACE_S = 5.0
POLL_S = 0.2
LOG_LINES = 5


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ManagedServer:
    """One server process of a definition named `name`."""

    def __init__(
        self, name: str, definition: EngineDefinition, model_dir: str, grace_s: float = GRACE_S
    ) -> None:
        self.name, self.definition, self.grace_s = name, definition, grace_s
        self.port = free_port()
        self.spec = fill(definition.spec, port=self.port, model=model_dir)
        self.command = [fill(a, port=self.port, model=model_dir) for a in definition.command or []]
        self._log_dir = tempfile.TemporaryDirectory(prefix="mlxguard-server-")
        self.log_path = Path(self._log_dir.name) / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The API root (the spec's URL, without options)."""
        return self.spec.partition(":")[2].partition("#")[0].rstrip("/")

    def start(self) -> None:
        """Start the command and wait until it answers, or raise UsageError (stopping it first)."""
        env = {**os.environ, **self.definition.env, "HF_HUB_OFFLINE": "1"}
        with open(self.log_path, "wb") as log:
            try:
                self.proc = subprocess.Popen(
                    self.command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.definition.cwd,
                    env=env,
                    start_new_session=True,  # its own process group: stopped as a whole
                )
            except OSError as e:
                raise UsageError(
                    f"engine '{self.name}': cannot start {self.command[0]!r}: {e.strerror or e}"
                ) from None
        children.own(self.proc.pid)
        try:
            self._watchdog = _watch(self.proc.pid, self.grace_s)
            self._wait_ready(self.definition.ready_timeout_s or READY_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout_s: float) -> None:
        import requests

        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise UsageError(
                    f"engine '{self.name}': server exited with code {self.proc.returncode} "
                    f"before it was ready; {self.log_tail()}"
                )
            try:
                if requests.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet
            if time.monotonic() >= deadline:
                raise UsageError(
                    f"engine '{self.name}': server not ready within {timeout_s:g} s "
                    f"(GET {self.url}/models); raise ready_timeout_s if it loads that slowly; "
                    f"{self.log_tail()}"
                )
            time.sleep(POLL_S)

    def log_tail(self) -> str:
        """The last lines of the server's output, on one line."""
        text = read_tail(self.log_path, 8192)  # the server may have written gigabytes
        lines = [line.strip() for line in text.splitlines() if line.strip()][-LOG_LINES:]
        return "last output: " + (" | ".join(lines) if lines else "(none)")

    def died(self) -> str | None:
        """A one-line note when the server exited before it was stopped, else None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        code, tail = self.proc.returncode, self.log_tail()
        return f"engine '{self.name}': server exited with code {code} during the run; {tail}"

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL after the grace period; remove the log."""
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:  # stopped first: it must never signal a group id reused later
            watchdog.kill()
            watchdog.wait()
            children.disown(watchdog.pid)
            assert watchdog.stdin is not None
            watchdog.stdin.close()
        proc = self.proc
        if proc is not None:
            stop_group(proc.pid, self.grace_s, reap=proc.poll)
            proc.wait()
            children.disown(proc.pid)
        self._log_dir.cleanup()


def _watch(pgid: int, grace_s: float) -> subprocess.Popen[bytes]:
    """Start the watchdog of the server's group `pgid` (its stdin: a pipe only we write)."""
    script = str(Path(__file__).with_name("watchdog.py"))
    watchdog = subprocess.Popen(
        [sys.executable, "-I", "-S", script, str(pgid), str(grace_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a signal to mlxguard's process group does not reach it
    )
    children.own(watchdog.pid)
    return watchdog
