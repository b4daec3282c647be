"""A managed server's watchdog: `python watchdog.py PGID GRACE_S`, a process of its own.

mlxguard starts it beside each server it starts, holding the only write end of a pipe that is
the watchdog's stdin. When mlxguard ends in any way, SIGKILL included (nothing of it runs then),
the kernel closes that end, the watchdog reads end of input, and stops the server's process
group: SIGTERM, then SIGKILL after GRACE_S. A server started in a session of its own would
otherwise run on under init. Only the standard library, so it starts in milliseconds (`-I -S`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, grace_s: float, reap: Callable[[], object] = lambda: None) -> None:
    """SIGTERM to the group, SIGKILL to what is left of it after `grace_s` seconds.

    `reap` collects the group's leader when it is the caller's child (an exited child that is
    not reaped still counts as a member of its group).
    """
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while reap() is None and _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    while _alive(pgid) and time.monotonic() < deadline:  # the leader gone, others left
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is mlxguard's to handle
    pgid, grace_s = int(sys.argv[1]), float(sys.argv[2])
    while sys.stdin.buffer.read(4096):  # nothing is written: this waits for end of input
        pass
    stop_group(pgid, grace_s)


if __name__ == "__main__":
    main()
