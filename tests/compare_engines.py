"""Plugin engines for the compare tests: real mlx-lm underneath, with one known difference.

Used as `compare_engines:SlowEngine` etc. (pytest puts tests/ on sys.path, and fresh-process
children inherit the parent's path).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from mlxguard.engines.mlx_lm_engine import MlxLmEngine


class SlowEngine(MlxLmEngine):
    """mlx-lm that sleeps a known time before yielding each token."""

    name = "slow-mlx-lm"
    delay_s = 0.05

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        for token in super().generate(prompt, max_tokens, temperature, seed):
            time.sleep(self.delay_s)
            yield token


class OneTokenOff(MlxLmEngine):
    """mlx-lm that replaces the token at `position` with the next id: a known divergence."""

    name = "one-token-off"
    position = 2

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        for i, token in enumerate(super().generate(prompt, max_tokens, temperature, seed)):
            yield token + 1 if i == self.position else token
