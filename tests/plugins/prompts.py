"""Plugin engines that show which prompt an engine received. No mlxguard imports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class IdsEcho:
    """Takes token ids (`generate_ids`) and streams them back; text comes back as words."""

    name = "ids-echo"

    def load(self, model: str) -> None:
        self.model = model

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[str]:
        yield from prompt.split()[:max_tokens]

    def generate_ids(
        self, prompt_ids: list[int], max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        yield from prompt_ids[:max_tokens]


class NoBos:
    """mlx-lm on text tokenized without special tokens, as `mlx_engine.tokenize` does: the
    engine sees one token fewer than the prompt was built with (no BOS)."""

    name = "no-bos"

    def __init__(self) -> None:
        from mlx_lm import load

        self._load = load
        self.model: Any = None
        self.tokenizer: Any = None

    def load(self, model: str) -> None:
        self.model, self.tokenizer = self._load(model)
        self.tokenizer.eos_token_ids = set()

    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text))[1:]

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[int]:
        from mlx_lm import stream_generate

        ids = self.tokenize(prompt)
        for r in stream_generate(self.model, self.tokenizer, ids, max_tokens=max_tokens):
            yield r.token


def make_echo() -> IdsEcho:
    """A factory function: the engine's name is known only from the instance it returns."""
    return IdsEcho()
