"""The plan: scenarios x engines x samples -> trials, in a seeded order (the seed is recorded).

Each engine (an arm) may run in several worker processes. Sample `j` of every arm belongs to
round `j`, and a round runs on one process of each arm, the same index on every arm: rounds are
dealt to processes in cycles of `processes` rounds, each cycle in a seeded random order, so
every process serves the same number of rounds and a process pair's rounds can be told apart
from the others'. Adding rounds later (adaptive sampling) continues the same numbering.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

# shuffled: one global seeded shuffle of every timed trial.
# interleaved: for each round (sample index), one block with every scenario and engine, in a
#   seeded random order; slow drift (heat, background load) then hits all engines alike, and no
#   engine always goes first.
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
    cold: bool = False  # a new engine and a timed load for every sample (in the runner)
    fresh_process: bool = False  # with cold: in a new process too (`mlxguard.run.fresh_process`)


@dataclass(frozen=True)
class Trial:
    """One timed (or warm-up) request, on one process of its engine, in one round."""

    scenario: Scenario
    engine: str
    sample: int
    warmup: bool = False
    process: int = 0
    round: int = 0

    @property
    def timed_cold(self) -> bool:
        """A timed trial of a cold scenario: a model load (and perhaps a process) of its own."""
        return self.scenario.cold and not self.warmup

    @property
    def prompt_key(self) -> str:
        # The same key for every engine, so engines answer identical prompts (apples to apples).
        kind = "warmup" if self.warmup else "sample"
        return f"{self.scenario.suite}/{self.scenario.name}/{kind}/{self.sample}"


def round_rng(seed: int, rnd: int) -> random.Random:
    """The order of round `rnd` depends on the seed and the round only: more rounds, same past."""
    return random.Random(f"{seed}:{rnd}")


def process_of(sample: int, processes: int, seed: int) -> int:
    """The process serving round `sample`: each cycle of `processes` rounds is dealt to every
    process once, in a seeded order."""
    cycle, slot = divmod(sample, processes)
    order = list(range(processes))
    random.Random(f"{seed}:cycle:{cycle}").shuffle(order)
    return order[slot]


def _timed(s: Scenario, engine: str, sample: int, processes: int, seed: int) -> Trial:
    if s.fresh_process:
        process = sample  # every trial is a process of its own
    elif s.cold:
        process = 0  # a new engine per trial, in the runner's own process
    else:
        process = process_of(sample, processes, seed)
    return Trial(s, engine, sample, process=process, round=sample)


def make_plan(
    scenarios: list[Scenario],
    engines: list[str],
    samples: int,
    warmup: int,
    seed: int,
    order: Order = "shuffled",
    *,
    processes: int = 1,
    first_sample: int = 0,
) -> list[Trial]:
    """Warm-ups first (alternating engines and processes), then every timed trial in `order`.

    Args:
        samples: timed trials per scenario and engine.
        warmup: untimed trials per scenario, engine and process (0 when adding rounds).
        processes: worker processes per engine.
        first_sample: the number of the first sample (samples measured before, when adding).
    """
    warm = [
        Trial(s, e, i, warmup=True, process=p)
        for s in scenarios
        for i in range(warmup)
        for p in range(1 if s.cold else processes)
        for e in engines
    ]
    numbers = range(first_sample, first_sample + samples)
    if order == "sequential":
        return warm + [
            _timed(s, e, j, processes, seed) for e in engines for s in scenarios for j in numbers
        ]
    if order == "interleaved":
        # One block per round with every scenario and engine, in a seeded random order.
        timed = []
        for j in numbers:
            block = [_timed(s, e, j, processes, seed) for s in scenarios for e in engines]
            round_rng(seed, j).shuffle(block)
            timed += block
        return warm + timed
    timed = [_timed(s, e, j, processes, seed) for s in scenarios for e in engines for j in numbers]
    round_rng(seed, first_sample).shuffle(timed)
    return warm + timed


def fit_cold(rest: list[Trial], cold_s: float, other_s: float, left_s: float) -> list[Trial]:
    """The rest of a plan with the timed cold trials that do not fit left out.

    A cold trial costs a model load, and a new process with `fresh_process`: seconds where a
    warm trial costs milliseconds. Once one has been timed (`cold_s`), the other trials keep
    their place (each is charged `other_s`, the mean of the warm ones so far) and cold ones are
    kept, in plan order, while they fit in the `left_s` seconds left; the rest are left out, so
    the budget is not spent on cold trials that would leave the cheap ones unmeasured.
    """
    if cold_s <= 0:
        return rest
    others = sum(1 for t in rest if not t.timed_cold)
    room = int(max(left_s - others * other_s, 0.0) // cold_s)
    kept = []
    for t in rest:
        if t.timed_cold:
            if room <= 0:
                continue
            room -= 1
        kept.append(t)
    return kept
