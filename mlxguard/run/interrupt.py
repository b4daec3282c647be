"""Ctrl-C and SIGTERM during a run: stop at once, and let every `finally` stop its workers.

Both signals raise `Interrupted` in the main thread, wherever it waits (a trial, a model load, a
worker's pipe). It derives from KeyboardInterrupt, so no `except Exception` around an engine call
mistakes it for a failed trial. While the run cleans up, further signals are ignored: cleanup is
bounded (each worker is terminated, then killed), and a second Ctrl-C must not cut it short and
leave worker processes behind.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during the run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted` (once; later ones are ignored)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        for s in SIGNALS:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
