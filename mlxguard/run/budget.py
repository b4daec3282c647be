"""A run's budget: how long it may take, and how far `--until-decisive` may extend it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mlxguard.defaults import DEFAULT_MAX_SAMPLES, DEFAULT_MAX_SECONDS


@dataclass(frozen=True)
class Budget:
    """What a run may spend.

    Attributes:
        until_decisive: add rounds while a same-job verdict is inconclusive.
        max_samples: trials of one benchmark, at most, with the rounds.
        max_seconds: wall-clock seconds of the whole run, counted from `started`.
        started: when the run began (`time.monotonic()`).
    """

    until_decisive: bool = False
    max_samples: int = DEFAULT_MAX_SAMPLES
    max_seconds: float = DEFAULT_MAX_SECONDS
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        """Seconds since the run began."""
        return time.monotonic() - self.started

    def spent(self) -> bool:
        """Is the wall-clock budget used up?"""
        return self.elapsed() >= self.max_seconds
