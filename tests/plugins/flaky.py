"""Plugin engines used by the tests. They import nothing from mlxguard, as plugins must not."""

from __future__ import annotations

from collections.abc import Iterator


class FlakyEngine:
    """Wraps mlx-lm and fails on every other request after two tokens."""

    name = "flaky"

    def __init__(self) -> None:
        from mlx_lm import load

        self._load = load
        self.calls = 0

    def load(self, model: str) -> None:
        self.model, self.tokenizer = self._load(model)

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        from mlx_lm import stream_generate

        self.calls += 1
        for i, r in enumerate(
            stream_generate(self.model, self.tokenizer, prompt, max_tokens=max_tokens)
        ):
            if self.calls % 2 == 0 and i == 2:
                raise RuntimeError("worker lost its GPU context")
            yield r.token


class NoLoad:
    """Does not follow the protocol: no load()."""

    name = "noload"

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[str]:
        yield "x"
