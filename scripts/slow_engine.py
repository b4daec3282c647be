"""A plugin engine that is slower than mlx-lm by a known fraction, for the detection benchmark.

It wraps the `mlx-lm` engine and, after each token, busy-waits for ``fraction`` of the time that
token took to produce, so every token (the first one included) costs ``1 + fraction`` times as
much: a 10% slower kernel, without touching MLX. Busy-waiting rather than sleeping keeps the
extra cost CPU-bound like the work it imitates.

mlx-lm queues the next token's computation before it hands out the current one, so a wait after
a token would overlap with the next one's compute and hide behind it wherever compute, not the
Python loop, bounds decode (a 10% wait measured as 7-8% on the 2-core CPU). Each token therefore
waits for the one queued after it (`mx.synchronize` on mlx-lm's generation stream) before its
own wait: the wait then lies on the critical path, and the unslowed arms (fraction 0) pay the
same synchronisation, so only the wait tells the arms apart.

On a loaded machine the busy-wait also takes CPU from MLX's own compute thread, so the slowdown
measured end to end is larger than ``fraction``; the detection benchmark therefore reports the
slowdown it measured next to the nominal one. (A time-dilated schedule with sleeps was tried and
is worse: under load every wake-up waits for a time slice, several ms per token.)

Use it as a plugin spec with ``scripts/`` on ``PYTHONPATH``: ``--engine slow_engine:slow10``, or
``slow_engine:from_env`` with the fraction in ``SLOW_ENGINE_FRACTION``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import mlx.core as mx
from mlx_lm.generate import generation_stream

from mlxguard.engines.mlx_lm_engine import MlxLmEngine


class SlowEngine:
    """mlx-lm, with every token ``1 + fraction`` times as expensive."""

    def __init__(self, fraction: float) -> None:
        if not 0 <= fraction < 10:
            raise ValueError(f"fraction {fraction!r} is outside [0, 10)")
        self.fraction = fraction
        self.name = f"mlx-lm+{fraction:.0%}" if fraction else "mlx-lm+0%"
        self._inner = MlxLmEngine()

    def load(self, model: str) -> None:
        self._inner.load(model)

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        clock = time.perf_counter
        stream = self._inner.generate(prompt, max_tokens, temperature, seed)
        while True:
            resumed = clock()
            try:
                token = next(stream)
            except StopIteration:
                return
            mx.synchronize(generation_stream)  # the next token, already queued, computes here
            took = clock() - resumed
            until = clock() + self.fraction * took
            while clock() < until:
                pass
            yield token

    def info(self) -> dict[str, Any]:
        return {"slowdown": self.fraction, **self._inner.info()}

    def close(self) -> None:
        self._inner.close()


def slow0() -> SlowEngine:
    return SlowEngine(0.0)


def slow5() -> SlowEngine:
    return SlowEngine(0.05)


def slow10() -> SlowEngine:
    return SlowEngine(0.10)


def slow20() -> SlowEngine:
    return SlowEngine(0.20)


def from_env() -> SlowEngine:
    """The slowdown from ``SLOW_ENGINE_FRACTION`` (default 0): one spec for every arm, so two
    engine definitions that differ only in their environment are two builds of one engine,
    as a pull request's head and base are."""
    return SlowEngine(float(os.environ.get("SLOW_ENGINE_FRACTION", "0")))
