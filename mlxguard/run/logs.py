"""Engine logs: what engines print while they are measured goes to a file beside the results.

Engines log freely: `mlx_engine` writes about five INFO lines per request to stderr through its
own handler, libraries print warnings, ipc workers and fresh processes have stderr of their own.
On the console that buries the verdicts, so during a run:

* file descriptors 1 and 2 of this process point at the log, which catches every handler that
  writes to stdout or stderr (whatever logger it hangs on, even with `propagate=False`), `print`,
  `warnings` and output from C code;
* the root logger gets a handler at INFO into the same file, for loggers that have no handler
  of their own (Python would drop their INFO lines);
* ipc workers and fresh processes send their stderr through the `mlxguard.engines.worker` logger
  (`mlxguard.engines.worker_log`), so it lands in the file too.

mlxguard's own progress bar writes to the real terminal (`console()`). The log goes through a
pipe to a writer process (`mlxguard.run.logsink`) that keeps its first and last 4 MiB, into a
temp file beside the results renamed into place when the run ends, also when it fails; a run
whose engines wrote nothing leaves no log.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from mlxguard.engines import children
from mlxguard.engines.worker_log import FORMAT
from mlxguard.fsutil import default_mode, read_tail

TAIL_LINES = 20
# The log keeps the first HEAD_BYTES and the last TAIL_BYTES of the engines' output: an engine
# printing without end (144 MB in 8 trials was seen) cannot fill the disk.
HEAD_BYTES = 4 * 2**20
TAIL_BYTES = 4 * 2**20
SINK_WAIT_S = 2.0

_console: TextIO | None = None


def log_path(results: Path) -> Path:
    """The log file of a results file: `results.json` -> `results.log`."""
    results = Path(results)
    return results.with_name(f"{results.stem}.log" if results.suffix else f"{results.name}.log")


def console() -> TextIO:
    """Where mlxguard's own live output goes: the terminal, also while logs are captured."""
    return _console or sys.stderr


@dataclass
class EngineLog:
    """The log file of a run, once it is written."""

    path: Path
    lines: int = 0

    def tail(self, n: int = TAIL_LINES) -> list[str]:
        """The last `n` lines of the log."""
        return read_tail(self.path, TAIL_BYTES).splitlines()[-n:]


def _start_sink(tmp: str) -> subprocess.Popen[bytes]:
    """The process that writes the log, capped (`mlxguard.run.logsink`), reading a pipe."""
    with open(tmp, "wb") as out:
        sink = subprocess.Popen(
            [sys.executable, "-I", "-S", str(Path(__file__).with_name("logsink.py")),
             str(HEAD_BYTES), str(TAIL_BYTES)],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal is the run's to handle, not its
        )  # fmt: skip
    children.own(sink.pid)
    return sink


def _finish_sink(sink: subprocess.Popen[bytes]) -> None:
    """Wait for the writer to reach the end of its input; an orphan of an engine that still
    holds the pipe open cannot keep it (or the run) waiting: SIGTERM makes it write its tail."""
    try:
        sink.wait(SINK_WAIT_S)
    except subprocess.TimeoutExpired:
        sink.terminate()
        try:
            sink.wait(SINK_WAIT_S)
        except subprocess.TimeoutExpired:
            sink.kill()
            sink.wait()


@contextmanager
def captured(log: EngineLog) -> Iterator[EngineLog]:
    """Send this process's stdout, stderr and logging into `log.path` while the block runs.

    The log keeps at most the first HEAD_BYTES and the last TAIL_BYTES of what was written. It
    is written only when something was (an empty log is removed, an older one at the same path
    too), with the mode the umask gives. `log.lines` is set when the block ends, normally or
    not.
    """
    global _console
    path = log.path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, default_mode())
    os.close(fd)
    sink = _start_sink(tmp)
    assert sink.stdin is not None
    # One pipe to the writer, shared by fds 1 and 2 and the logging handler, so their lines
    # arrive in the order they were written.
    log_fd = os.dup(sink.stdin.fileno())
    sink.stdin.close()
    stream = os.fdopen(os.dup(log_fd), "a", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    level = root.level
    for s in (sys.stdout, sys.stderr):
        s.flush()
    saved = {n: os.dup(n) for n in (1, 2)}
    _console = os.fdopen(os.dup(saved[2]), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        for n in (1, 2):
            os.dup2(log_fd, n)
        root.addHandler(handler)
        if root.getEffectiveLevel() > logging.INFO:
            root.setLevel(logging.INFO)
        yield log
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for s in (sys.stdout, sys.stderr, stream):
            s.flush()
        for n, old in saved.items():
            os.dup2(old, n)
            os.close(old)
        stream.close()
        os.close(log_fd)
        _console.close()
        _console = None
        _finish_sink(sink)
        if os.path.getsize(tmp):
            os.replace(tmp, path)
        else:  # nothing was written: no log, and none left from an earlier run to mislead
            os.unlink(tmp)
            path.unlink(missing_ok=True)
        log.lines = len(log.tail(n=sys.maxsize))
