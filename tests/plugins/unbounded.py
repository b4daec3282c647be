"""Plugin engines that do not stop: one ignores max_tokens, one blocks in `generate`, one
swallows every exception while it blocks. No mlxguard imports."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator


class Endless:
    """Yields tokens for ever, whatever max_tokens says."""

    name = "endless"

    def load(self, model: str) -> None:
        self.model = model

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        i = 0
        while True:
            yield i % 100
            i += 1


class Blocks(Endless):
    """Yields one token, then waits for ever on a lock."""

    name = "blocks"

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        yield 1
        threading.Event().wait()


class Stubborn(Endless):
    """Sleeps for ever and swallows any Exception that would stop it."""

    name = "stubborn"

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        while True:
            try:
                time.sleep(3600)
            except Exception:  # on purpose: a plugin that will not stop
                continue
        yield 0


class Loud(Endless):
    """Writes 3 MB to stderr on every request, then yields what it was asked for."""

    name = "loud"

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        for i in range(30_000):
            print(f"loud line {i:05d} " + "x" * 80, file=sys.stderr)
        yield from range(max_tokens)
