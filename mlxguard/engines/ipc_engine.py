"""The `ipc` engine: mlxguard's runtime worker in a subprocess, spoken to over stdio.

The worker (`python -m mlxguard.engines.ipc_worker`) hosts one engine spec (mlx-lm by default); this
client sends requests and reads frames (docs/ipc-protocol.md). The worker can run under another
interpreter, in another directory, with more environment: that is how engine definitions isolate
an engine. Every wait has a deadline, so a hung worker becomes a `WorkerTimeout` (and is
stopped), and a dead one a `WorkerDied` naming its exit code and its last stderr lines; neither
can hang the runner.
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from mlxguard.engines import children, limits
from mlxguard.engines.watchdog import stop_group
from mlxguard.engines.worker_log import log_worker_line
from mlxguard.ipc import protocol as p
from mlxguard.ipc.codec import FrameError, get_codec
from mlxguard.ipc.pipe import FrameReader, FrameWriter

STDERR_LINES = 50  # kept for error messages
STDERR_SHOWN = 5
# A stderr "line" longer than this is cut into pieces: a worker printing without a newline
# cannot grow the reader's buffer without end.
STDERR_LINE_BYTES = 64 * 1024


class IpcError(RuntimeError):
    """The worker answered a request with an error response."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"ipc worker: {method} failed ({code}): {message}")
        self.method, self.code, self.message = method, code, message


class WorkerDied(RuntimeError):
    """The worker process exited (or closed its output) while we waited for it."""


class WorkerTimeout(TimeoutError):
    """The worker sent nothing within the deadline; it has been stopped."""


def _exit_text(rc: int | None) -> str:
    if rc is None:
        return "did not exit"
    if rc < 0:
        try:
            return f"exit code {rc} (killed by {signal.Signals(-rc).name})"
        except ValueError:
            pass
    return f"exit code {rc}"


@functools.cache
def worker_import_root() -> str:
    """A directory in which this mlxguard, and nothing else, is importable.

    The worker's interpreter may be another virtualenv without mlxguard; this directory goes on
    its PYTHONPATH. Pointing at mlxguard's parent directory instead would also expose that
    directory's other packages (all of site-packages, for an installed mlxguard), shadowing the
    other environment's own mlx and mlx-lm.
    """
    home = Path(tempfile.mkdtemp(prefix="mlxguard-worker-"))
    (home / "mlxguard").symlink_to(Path(__file__).resolve().parents[1], target_is_directory=True)
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # removes the link, not its target
    return str(home)


def worker_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus `extra`, with mlxguard importable and the hub offline."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [worker_import_root(), env.get("PYTHONPATH")]))
    env["HF_HUB_OFFLINE"] = "1"  # models are local; never reach for the network
    return env


def _pump(stream: IO[bytes], ring: deque[str], source: str) -> None:
    """Log the worker's stderr and keep its last lines; reading also stops a full pipe blocking
    it."""
    for line in iter(lambda: stream.readline(STDERR_LINE_BYTES), b""):
        text = line.decode("utf-8", "replace").rstrip()
        ring.append(text)
        log_worker_line(source, text)


class IpcEngine:
    """Client of one worker process, started on first use (load, or any request)."""

    name = "ipc"

    def __init__(
        self,
        codec: str = "msgpack",
        *,
        engine: str = "mlx-lm",
        python: str | None = None,
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        ignore_eos: bool = True,
        prefill_step_size: int = 2048,
        timeout_s: float = 120.0,
        load_timeout_s: float = 600.0,
        start_timeout_s: float = 60.0,
        grace_s: float = 5.0,
    ) -> None:
        """
        Args:
            codec: "msgpack" (length-prefixed frames) or "json" (newline-delimited).
            engine: the engine spec the worker hosts.
            python: the worker's interpreter (default: this one).
            cwd: the worker's working directory (default: this one).
            env: added to this process's environment for the worker.
            ignore_eos: generate exactly max_tokens tokens (the same work every trial).
            timeout_s: the longest wait for any one frame, including each token.
            load_timeout_s: the longest wait for `load_model`.
            start_timeout_s: the longest wait for the worker's `worker.ready`.
            grace_s: how long `close` waits after `shutdown` before terminating, then killing.
        """
        self.codec = get_codec(codec)
        self.hosted, self.python, self.cwd = engine, python or sys.executable, cwd
        self.env = dict(env or {})
        self.ignore_eos, self.prefill_step_size = ignore_eos, prefill_step_size
        self.timeout_s, self.load_timeout_s = timeout_s, load_timeout_s
        self.start_timeout_s, self.grace_s = start_timeout_s, grace_s
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_LINES)
        self.ready: dict[str, Any] = {}
        self.loaded: dict[str, Any] = {}
        self.last_stats: dict[str, Any] | None = None
        self.last_usage: dict[str, Any] | None = None  # the hosted engine's, e.g. a server's
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: FrameReader | None = None
        self._writer: FrameWriter | None = None
        self._pump: threading.Thread | None = None
        self._dead: str | None = None
        # A request or stream in flight: an interrupted caller leaves the worker busy, and
        # `close` then stops it at once instead of asking it to shut down when it is done.
        self._busy = False
        self._ids = itertools.count(1)

    # -- process lifecycle -------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        """Spawn the worker and wait for its `worker.ready` notification (idempotent)."""
        if self._proc is not None:
            return
        command = [self.python, "-m", "mlxguard.engines.ipc_worker", "--codec", self.codec.name]
        if self.hosted != "mlx-lm":  # the default: a worker of an older checkout knows no --engine
            command += ["--engine", self.hosted]
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,
                cwd=self.cwd,
                env=worker_environment(self.env),
                start_new_session=True,  # Ctrl-C reaches the runner, which then closes the worker
            )
        except OSError as e:  # no such interpreter or directory
            self._dead = f"cannot start the ipc worker ({self.python}): {e.strerror or e}"
            raise WorkerDied(self._dead) from None
        assert self._proc.stdin and self._proc.stdout and self._proc.stderr
        children.own(self._proc.pid)
        source = f"ipc worker {self._proc.pid}"
        self._pump = threading.Thread(
            target=_pump, args=(self._proc.stderr, self.stderr_tail, source), daemon=True
        )
        self._pump.start()
        self._reader = FrameReader(self._proc.stdout.fileno(), self.codec)
        self._writer = FrameWriter(self._proc.stdin.fileno(), self.codec, blocking=False)
        msg = self._recv(self.start_timeout_s, "start")
        if not (isinstance(msg, dict) and msg.get("method") == p.READY):
            self._stop()
            raise WorkerDied(f"ipc worker sent {str(msg)[:80]!r} before {p.READY}")
        self.ready = msg.get("params") or {}

    def _stop(self) -> None:
        """Terminate, then kill, the worker's process group (the worker, and any process its
        engine started that is still there, even once the worker has exited); release the
        pipes."""
        proc = self._proc
        if proc is None:
            return
        stop_group(proc.pid, self.grace_s, reap=proc.poll)
        proc.wait()
        children.disown(proc.pid)
        for part in (self._reader, self._writer):
            if part is not None:
                part.close()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        if self._pump is not None:
            self._pump.join(1.0)  # the pipe is at EOF now; this only collects the last lines
        if proc.stderr is not None:
            proc.stderr.close()

    def _died(self, what: str) -> WorkerDied:
        proc = self._proc
        assert proc is not None
        try:
            rc = proc.wait(self.grace_s)
        except subprocess.TimeoutExpired:  # closed stdout but still running: not usable
            rc = None
        self._stop()
        tail = list(self.stderr_tail)[-STDERR_SHOWN:]
        stderr = " | ".join(tail) if tail else "(none)"
        self._dead = (
            f"ipc worker (pid {proc.pid}) {_exit_text(rc)} during '{what}'; last stderr: {stderr}"
        )
        return WorkerDied(self._dead)

    def _timed_out(self, what: str, timeout: float) -> WorkerTimeout:
        pid = self.pid
        self._stop()
        self._dead = (
            f"ipc worker (pid {pid}) gave no answer within {timeout:g} s during '{what}' and was "
            "stopped; raise IpcEngine(timeout_s=..., load_timeout_s=...) if the work is that slow"
        )
        return WorkerTimeout(self._dead)

    def _check(self) -> None:
        if self._dead is not None:
            raise WorkerDied(self._dead)
        self.start()

    def close(self) -> None:
        """Ask the worker to shut down; terminate it after `grace_s`, then kill it.

        A worker still busy with an abandoned request (an interrupted run) is terminated at once.
        """
        if self._proc is None:
            return
        if self._dead is None and self._proc.poll() is None and not self._busy:
            try:
                self.request("shutdown", {}, timeout=self.grace_s)
                self._proc.wait(self.grace_s)
            except (RuntimeError, TimeoutError, OSError, subprocess.TimeoutExpired):
                pass  # _stop below escalates
        self._stop()
        self._dead = self._dead or "ipc worker closed"

    # -- frames ------------------------------------------------------------------------------

    def _send(self, msg: dict[str, Any], what: str, timeout: float) -> None:
        assert self._writer is not None
        try:
            self._writer.write(msg, timeout)
        except BrokenPipeError:
            raise self._died(what) from None
        except TimeoutError:
            raise self._timed_out(what, timeout) from None

    def _abandon(self, what: str) -> None:
        """The trial's deadline passed while the worker worked: stop it (it may be busy for
        long yet), and fail later requests at once."""
        pid = self.pid
        self._stop()
        self._dead = f"ipc worker (pid {pid}) stopped: the trial's deadline passed during '{what}'"

    def _recv(self, timeout: float, what: str) -> Any:
        assert self._reader is not None
        left = limits.remaining()  # the trial's deadline, when it comes first
        try:
            if left is not None and left < timeout:
                try:
                    return self._reader.read(max(left, 0.0))
                except TimeoutError:
                    limits.check()  # the deadline passed: TrialTimeout
                    raise
            return self._reader.read(timeout)
        except limits.TrialTimeout:  # here, or raised by the alarm in the wait
            self._abandon(what)
            raise
        except EOFError:
            raise self._died(what) from None
        except TimeoutError:
            raise self._timed_out(what, timeout) from None
        except FrameError as e:
            self._stop()
            self._dead = f"ipc worker: protocol error during '{what}': {e}"
            raise WorkerDied(self._dead) from None

    def request(self, method: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        """Send one request and return its result.

        Raises:
            IpcError: an error response (the worker lives on).
            WorkerDied, WorkerTimeout: the worker is gone or stopped.
        """
        self._check()
        wait = self.timeout_s if timeout is None else timeout
        msg_id = next(self._ids)
        self._busy = True
        self._send(p.request(msg_id, method, params), method, wait)
        while True:
            msg = self._recv(wait, method)
            if msg.get("id") == msg_id:
                self._busy = False
                return self._result(msg, method)
            # Anything else (a late notification) belongs to no one now: skip it.

    @staticmethod
    def _result(msg: dict[str, Any], method: str) -> Any:
        err = msg.get("error")
        if err is not None:
            raise IpcError(method, int(err.get("code", p.INTERNAL_ERROR)), str(err.get("message")))
        return msg.get("result")

    # -- the engine protocol -----------------------------------------------------------------

    def load(self, model: str) -> None:
        params = {
            "path": str(model),
            "ignore_eos": self.ignore_eos,
            "prefill_step_size": self.prefill_step_size,
        }
        self.loaded = self.request("load_model", params, timeout=self.load_timeout_s)

    def set_ignore_eos(self, ignore: bool) -> None:
        """Whether the next `load` asks the worker's engine to ignore end-of-sequence."""
        self.ignore_eos = ignore

    def tokenize(self, text: str) -> list[int]:
        return list(self.request("tokenize", {"text": text})["tokens"])

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int | str]:
        return self._generate({"prompt": prompt}, max_tokens, temperature, seed)

    @property
    def generate_ids(self) -> Callable[..., Iterator[int | str]] | None:
        """`generate` on token ids, when the worker's engine takes them (else None: text only).

        A property, so the runner sees no `generate_ids` hook for an engine that has none.
        """
        engine = self.loaded.get("engine") or {}
        return self._generate_ids if engine.get("takes_ids", True) else None

    def _generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int | str]:
        return self._generate({"prompt_ids": prompt_ids}, max_tokens, temperature, seed)

    def _generate(
        self, prompt: dict[str, Any], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int | str]:
        params = {**prompt, "max_tokens": max_tokens, "temperature": temperature}
        if seed is not None:
            params["seed"] = seed
        self.last_stats = None
        sid = self.request("generate", params)["stream_id"]
        self._busy = True  # until the stream's end event
        return self._stream(sid)

    @property
    def last_prompt_tokens(self) -> int | None:
        """The prompt length the worker reported for the last request (its `stats`)."""
        return self.last_stats.get("prompt_tokens") if self.last_stats else None

    def _stream(self, sid: int) -> Iterator[int | str]:
        recv, wait, finished = self._recv, self.timeout_s, False
        try:
            while True:
                msg = recv(wait, "generate")
                method, params = msg.get("method"), msg.get("params") or {}
                if params.get("stream_id") != sid:
                    continue
                if method == p.CHUNK:
                    token = params.get("token_id")
                    yield token if token is not None else params.get("text", "")
                elif method == p.STATS:
                    self.last_stats = params
                    self.last_usage = params.get("usage")
                elif method == p.EVENT:
                    finished, self._busy = True, False
                    if params.get("event") == "error":
                        raise IpcError("generate", p.INTERNAL_ERROR, str(params.get("message")))
                    return
        except GeneratorExit:
            # The caller stopped reading (not an interruption, which leaves the worker busy
            # for `close` to stop): read to the end so the next request starts clean.
            if not finished and self._dead is None:
                self._drain(sid)
            raise

    def _drain(self, sid: int) -> None:
        """Read to the end of an abandoned stream, so the next request starts clean.

        Bounded: a worker that does not end the stream within `grace_s` (one streaming without
        end, or slowly) is stopped instead.
        """
        deadline = time.monotonic() + self.grace_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = self._recv(left, "generate (drain)")
            except WorkerTimeout:
                return  # stopped, and marked dead
            params = msg.get("params") or {}
            if msg.get("method") == p.EVENT and params.get("stream_id") == sid:
                self._busy = False
                return
        pid = self.pid
        self._stop()
        self._dead = (
            f"ipc worker (pid {pid}) stopped: it went on streaming a request that was abandoned"
        )

    def reset_peak_memory(self) -> None:
        self.last_stats = None  # the worker resets its own peak at each generate

    def peak_memory_mb(self) -> float | None:
        return self.last_stats.get("peak_memory_mb") if self.last_stats else None

    def info(self) -> dict[str, Any]:
        return {
            "codec": self.codec.name,
            "engine": self.loaded.get("engine", {"spec": self.hosted}),
            "worker_pid": self.pid,
            "python": self.ready.get("python"),
            "executable": self.ready.get("executable"),
            "protocol": self.ready.get("protocol"),
            "versions": self.loaded.get("versions", {}),
            "timeout_s": self.timeout_s,
            "load_timeout_s": self.load_timeout_s,
        }
