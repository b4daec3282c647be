"""Bounds on what one trial may cost: tokens read from an engine, and wall time.

Whatever the engine (in-process, an ipc worker, a server), the runner stops reading a request
after `token_cap(max_tokens)` items, and gives each trial a deadline (`trial_timeout_s`,
default `TRIAL_TIMEOUT_S`). Passing either is the trial's error, never a hung or exhausted run.

The deadline is kept per thread (`within`, `remaining`). In the main thread it is also an alarm
(SIGALRM), which raises `TrialTimeout` wherever Python code is waiting: an in-process plugin
blocked in `generate`, a socket read that a server's keepalive bytes keep alive. Engines that
wait on their own (the ipc client, the openai client) also shorten their waits to it, so the
bound holds in other threads too.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from mlxguard.defaults import TRIAL_TIMEOUT_S

# An engine may send a few items more than it was asked for (a final token, a trailing chunk);
# beyond max_tokens + TOKEN_MARGIN it ignores max_tokens, and the runner stops reading.
TOKEN_MARGIN = 16

_local = threading.local()

__all__ = ["TOKEN_MARGIN", "TRIAL_TIMEOUT_S", "TrialTimeout", "remaining", "token_cap", "within"]


def token_cap(max_tokens: int) -> int:
    """The most items the runner reads for a request of `max_tokens`."""
    return max_tokens + TOKEN_MARGIN


def overrun(max_tokens: int) -> str:
    """The error of a request whose engine sent more than `token_cap(max_tokens)` items."""
    return (
        f"engine sent more than {token_cap(max_tokens)} tokens for max_tokens={max_tokens} "
        f"(the cap is max_tokens + {TOKEN_MARGIN}); stopped reading"
    )


class TrialTimeout(BaseException):
    """The trial's deadline passed. A BaseException, like KeyboardInterrupt, so that an
    engine's `except Exception` cannot swallow it and carry on."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the trial passed its deadline of {seconds:g} s (trial_timeout_s) and was stopped"
        )
        self.seconds = seconds


def remaining() -> float | None:
    """Seconds left before this thread's deadline (negative when passed); None without one."""
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.perf_counter()


def check() -> None:
    """Raise TrialTimeout when this thread's deadline has passed."""
    left = remaining()
    if left is not None and left <= 0:
        raise TrialTimeout(_local.seconds)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    left = remaining()
    if left is None:
        return
    if left > 0.001:  # the interval timer and perf_counter may disagree slightly: wait on
        signal.setitimer(signal.ITIMER_REAL, left)
        return
    raise TrialTimeout(_local.seconds)


def _alarms() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def within(seconds: float | None) -> Iterator[None]:
    """Run the block under a deadline `seconds` from now; an earlier deadline already set (a
    cold trial's, around its request) stays in force. None: no new deadline."""
    now = time.perf_counter()
    previous = getattr(_local, "deadline", None)
    if seconds is None or (previous is not None and previous <= now + seconds):
        yield
        return
    outer_seconds = getattr(_local, "seconds", None)
    _local.deadline, _local.seconds = now + seconds, seconds
    alarm = _alarms()
    handler = None
    if alarm:
        handler = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        # An alarm that fires in here, once the block is over, must not leave the deadline set.
        while True:
            try:
                _local.deadline, _local.seconds = previous, outer_seconds
                if alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, handler)
                    if previous is not None:
                        signal.setitimer(
                            signal.ITIMER_REAL, max(previous - time.perf_counter(), 1e-6)
                        )
                break
            except TrialTimeout:
                continue
