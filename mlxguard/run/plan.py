"""The plan: scenarios x engines x samples -> trials, in a seeded order (the seed is recorded)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

# shuffled: one global seeded shuffle of every timed trial.
# interleaved: for each sample index, one block with every scenario and engine, the engines of
#   a block in a seeded random order; slow drift (heat, background load) then hits all engines
#   alike, and no engine always goes first.
# sequential: every trial of the first engine, then of the next (drift-prone; for reading logs).
Order = Literal["shuffled", "interleaved", "sequential"]
ORDERS: tuple[str, ...] = ("shuffled", "interleaved", "sequential")


@dataclass(frozen=True)
class Scenario:
    """One workload of a generation suite."""

    suite: str
    name: str
    prompt_tokens: int
    max_tokens: int
    streaming: bool = True
    cold: bool = False  # a new engine and a timed load for every sample
    fresh_process: bool = False  # with cold: in a new process too (`mlxguard.run.fresh_process`)

    def params(self) -> dict[str, object]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "max_tokens": self.max_tokens,
            "streaming": self.streaming,
            "cold": self.cold,
            "fresh_process": self.fresh_process,
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
    scenarios: list[Scenario],
    engines: list[str],
    samples: int,
    warmup: int,
    seed: int,
    order: Order = "shuffled",
) -> list[Trial]:
    """Warm-ups first (alternating engines), then every timed trial in the seeded `order`."""
    warm = [Trial(s, e, i, warmup=True) for s in scenarios for i in range(warmup) for e in engines]
    rng = random.Random(seed)
    if order == "sequential":
        return warm + [Trial(s, e, i) for e in engines for s in scenarios for i in range(samples)]
    if order == "interleaved":
        timed = []
        for i in range(samples):
            for s in scenarios:
                block = list(engines)
                rng.shuffle(block)
                timed += [Trial(s, e, i) for e in block]
        return warm + timed
    timed = [Trial(s, e, i) for s in scenarios for e in engines for i in range(samples)]
    rng.shuffle(timed)
    return warm + timed
