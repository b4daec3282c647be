"""The requests of a load window: exact prompt and output token counts, distinct prompts.

Every prompt comes from the prompt builder (`mlxguard.run.prompts`): random ordinary tokens of an
exact count under the model's own tokenizer, different for every request, so no two prompts
share a prefix beyond the tokenizer's BOS and no prefix cache can serve one from another.
Lengths are fixed by default; a `spread` draws each request's lengths from a uniform or normal
distribution around the mean (seeded, clipped to 1..2x the mean).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from mlxguard.run.prompts import PromptFactory

Distribution = Literal["fixed", "uniform", "normal"]


@dataclass(frozen=True)
class Lengths:
    """How a window's token counts are drawn.

    Attributes:
        prompt_tokens: the mean prompt length, in tokens.
        output_tokens: the mean output length, in tokens (EOS is ignored, so it is exact).
        distribution: `fixed`, or `uniform` / `normal` around the mean.
        spread: the relative half-width (uniform) or standard deviation (normal), e.g. 0.25.
    """

    prompt_tokens: int
    output_tokens: int
    distribution: Distribution = "fixed"
    spread: float = 0.0

    def draw(self, mean: int, rng: random.Random) -> int:
        """One length around `mean`, clipped to 1..2x the mean."""
        if self.distribution == "fixed" or self.spread == 0:
            return mean
        if self.distribution == "uniform":
            value = mean * (1 + rng.uniform(-self.spread, self.spread))
        else:
            value = rng.gauss(mean, mean * self.spread)
        return max(1, min(2 * mean, round(value)))


@dataclass(frozen=True)
class LoadRequest:
    """One request of a window.

    Attributes:
        key: what makes it unique (the window and the request's index in it).
        prompt: the prompt's text.
        prompt_tokens: its length under the model's tokenizer, as built (None: unknown).
        max_tokens: tokens to generate.
    """

    key: str
    prompt: str
    prompt_tokens: int | None
    max_tokens: int


def build_requests(
    factory: PromptFactory, lengths: Lengths, n: int, window: str
) -> list[LoadRequest]:
    """`n` distinct requests for the window named `window` (deterministic in the factory's seed,
    the window and the lengths; the same window name gives every engine the same requests)."""
    out = []
    for i in range(n):
        key = f"load:{window}:{i}"
        rng = random.Random(f"{factory.seed}:{key}")
        prompt = factory.make(lengths.draw(lengths.prompt_tokens, rng), key)
        out.append(
            LoadRequest(key, prompt.text, prompt.tokens, lengths.draw(lengths.output_tokens, rng))
        )
    return out
