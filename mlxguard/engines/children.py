"""Child processes: those mlxguard starts itself, and those an engine leaves behind.

mlxguard registers each process it starts (ipc workers, fresh-process trials, managed servers
and their watchdogs, the engine log's writer) with `own`. Anything else that is a child of this
process was started by an in-process engine (a plugin that forks helpers), and
`stop_strays` stops it, and its own descendants, when the engines that may have started it are
closed: a plugin's children must not outlive the run. A child that detached itself (a daemon
that forked twice, so init adopted it) can no longer be found, and is not stopped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time

_owned: set[int] = set()
_log = logging.getLogger("mlxguard.engines")
GRACE_S = 2.0


def own(pid: int) -> None:
    """Mark `pid` as a process mlxguard started and stops itself."""
    _owned.add(pid)


def disown(pid: int) -> None:
    _owned.discard(pid)


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible (Linux: /proc; elsewhere: `ps`)."""
    table: dict[int, int] = {}
    if os.path.isdir("/proc/self"):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            # `pid (comm) state ppid ...`: comm may hold spaces and parentheses.
            fields = stat[stat.rfind(b")") + 2 :].split()
            table[int(name)] = int(fields[1])
        return table
    try:
        out = subprocess.run(
            ["ps", "-A", "-o", "pid=", "-o", "ppid="],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return table
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            table[int(parts[0])] = int(parts[1])
    return table


def children() -> set[int]:
    """The pids of this process's children now."""
    me = os.getpid()
    return {pid for pid, parent in _parents().items() if parent == me}


def _descendants(roots: set[int], table: dict[int, int]) -> list[int]:
    found, frontier = list(roots), set(roots)
    while frontier:
        frontier = {pid for pid, parent in table.items() if parent in frontier} - set(found)
        found += sorted(frontier)
    return found


def stop_strays(before: set[int]) -> list[int]:
    """Stop the children of this process that are neither in `before` (children that existed
    when the engines were created) nor mlxguard's own, with their descendants: SIGTERM, then
    SIGKILL after GRACE_S. Returns the pids signalled."""
    table = _parents()
    me = os.getpid()
    strays = {pid for pid, parent in table.items() if parent == me} - before - _owned
    if not strays:
        return []
    pids = _descendants(strays, table)
    _log.warning("stopping %d process(es) left by an engine: %s", len(pids), pids)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    left = list(pids)
    while left and time.monotonic() < deadline:
        left = [pid for pid in left if _running(pid)]
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for pid in strays:  # our children: reap them, so no zombie stays
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    return pids


def _running(pid: int) -> bool:
    """Whether `pid` is alive and not a zombie (a child of ours that exited is reaped here)."""
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
