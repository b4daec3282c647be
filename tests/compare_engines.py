"""Plugin engines for the compare tests: real mlx-lm underneath, with one known difference.

Used as `compare_engines:SlowEngine` etc. (pytest puts tests/ on sys.path, and fresh-process
children inherit the parent's path).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from mlxguard.engines.mlx_lm_engine import MlxLmEngine


class SlowEngine(MlxLmEngine):
    """mlx-lm that sleeps a known time before yielding each token."""

    name = "slow-mlx-lm"
    delay_s = 0.05

    def stream(
        self, prompt: str | list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[Any]:
        for response in super().stream(prompt, max_tokens, temperature, seed):
            time.sleep(self.delay_s)
            yield response


class OneTokenOff(MlxLmEngine):
    """mlx-lm that replaces the token at `position` with the next id: a known divergence."""

    name = "one-token-off"
    position = 2

    def stream(
        self, prompt: str | list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[Any]:
        for i, response in enumerate(super().stream(prompt, max_tokens, temperature, seed)):
            if i == self.position:
                response = replace(response, token=response.token + 1)
            yield response
