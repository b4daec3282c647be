"""The plan: scenarios x engines x samples -> trials, in a shuffled order with a recorded seed."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """One workload of a generation suite."""

    suite: str
    name: str
    prompt_tokens: int
    max_tokens: int
    streaming: bool = True
    cold: bool = False  # a new engine and a timed load for every sample

    def params(self) -> dict[str, object]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "max_tokens": self.max_tokens,
            "streaming": self.streaming,
            "cold": self.cold,
        }


@dataclass(frozen=True)
class Trial:
    """One timed (or warm-up) request."""

    scenario: Scenario
    engine: str
    sample: int
    warmup: bool = False

    @property
    def prompt_key(self) -> str:
        # The same key for every engine, so engines answer identical prompts (apples to apples).
        kind = "warmup" if self.warmup else "sample"
        return f"{self.scenario.suite}/{self.scenario.name}/{kind}/{self.sample}"


def make_plan(
    scenarios: list[Scenario], engines: list[str], samples: int, warmup: int, seed: int
) -> list[Trial]:
    """Warm-ups first (alternating engines), then every timed trial in a seeded random order."""
    warm = [Trial(s, e, i, warmup=True) for s in scenarios for i in range(warmup) for e in engines]
    timed = [Trial(s, e, i) for s in scenarios for e in engines for i in range(samples)]
    random.Random(seed).shuffle(timed)
    return warm + timed
