"""Plugin engines that are slow before `load()`: at import, or when constructed.

Cold `load_ms` must include both (the engine's libraries and construction are load time).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

IMPORT_S = 0.3
time.sleep(IMPORT_S)  # a heavy library import, as `import mlx_engine` is


class SlowImport:
    """Streams the prompt's first words back."""

    name = "slow-import"

    def load(self, model: str) -> None:
        self.model = model

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[str]:
        yield from prompt.split()[:max_tokens]


class SlowStart(SlowImport):
    """Takes a while to construct (a worker starting, a library initialising)."""

    name = "slow-start"
    START_S = 0.2

    def __init__(self) -> None:
        time.sleep(self.START_S)
