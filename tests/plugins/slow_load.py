"""A plugin engine whose load takes minutes (in Python, so a signal can interrupt it)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path


class SlowLoad:
    name = "slow-load"

    def load(self, model: str) -> None:
        marker = os.environ.get("SLOW_LOAD_MARKER")
        if marker:  # tells a test that the load has begun
            Path(marker).touch()
        time.sleep(600)

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        yield from range(max_tokens)
