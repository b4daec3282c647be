"""A plugin that streams the word in WORDS_TOKEN once per token: what its environment says.

Tests copy it into a directory of its own, so that only a worker started there can import it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator


class Words:
    name = "words"

    def load(self, model: str) -> None:
        self.model = model

    def generate(
        self, prompt: str, max_tokens: int, temperature: float, seed: int | None
    ) -> Iterator[str]:
        for _ in range(max_tokens):
            yield os.environ.get("WORDS_TOKEN", "unset")
