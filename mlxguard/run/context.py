"""The seam between the run stage and the suites: what a suite is (`Suite`) and what it gets.

A suite is a named workload. The run stage knows suites only through this protocol: it asks
each for its engines and requests before anything runs (`mlxguard.run.prepare`), runs it once
with a `SuiteContext`, and, when a same-job verdict stays inconclusive, asks it to extend its
benchmarks by more rounds (`mlxguard.run.rounds`). No code outside a suite looks at its name.

A new suite is an object with the members of `Suite`, registered under its name in
`mlxguard.suites.SUITES` (see docs/suites.md, "Writing a suite"); one that adds no rounds
inherits `rounds` and `extend` from `OneLook`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from mlxguard.config import Config
from mlxguard.engines.definitions import EngineChoice
from mlxguard.results import Benchmark
from mlxguard.run.budget import Spending
from mlxguard.run.plan import Scenario
from mlxguard.run.progress import Progress
from mlxguard.run.workers import Workers

# What a verdict names: (suite, scenario, engine) of a benchmark.
BenchmarkKey = tuple[str, str, str]
# The benchmarks a round sends back, each with its gated metrics still undecided.
Undecided = Mapping[BenchmarkKey, frozenset[str]]
# In a round's `todo`: measure every metric (the first look's verdicts are not yet confirmed).
EVERY_METRIC = frozenset({"*"})


@dataclass
class SuiteContext:
    """What a suite runs with, all settled once by `mlxguard.run.prepare.prepare`.

    Attributes:
        config: the effective config (processes settled).
        model_dir: the model directory (a synthetic preset already built).
        model_label: the model's name in the results.
        progress: the run's progress display.
        engines: this suite's engines, label -> choice, as `Suite.engines` named them, placed
            in `processes` worker processes and with managed servers' specs filled in.
        processes: worker processes per engine.
        workers: the warm engines kept for later rounds (None: the suite closes its own).
        first_sample: samples measured before this call (a round numbers its samples after).
        run_started: when the run began (`time.monotonic()`): worker start times count from it.
        deadline: no trial starts after it (`time.monotonic()`); None: no budget.
        spending: what the run spent against its budget (the processes chosen, what was cut).
    """

    config: Config
    model_dir: str
    model_label: str
    progress: Progress
    engines: dict[str, EngineChoice] = field(default_factory=dict)
    processes: int = 1
    workers: Workers | None = None
    first_sample: int = 0
    run_started: float = field(default_factory=time.monotonic)
    deadline: float | None = None
    spending: Spending | None = None


# The settings of `mlxguard run` (config keys) that only some suites read. Each suite names the
# ones it reads (`Suite.options`): one given for a run of none of them is said to be ignored.
SUITE_OPTIONS = frozenset({"samples", "questions", "flexible_engines", "order", "fresh_process"})


class Suite(Protocol):
    """A named workload, as the run stage sees it.

    Attributes:
        name: the name `--suite` takes, and every benchmark's `suite`.
        description: one line for the docs.
        rounds: `--until-decisive` may extend it (`extend`).
        options: the settings of `SUITE_OPTIONS` it reads.
    """

    name: str
    description: str
    rounds: bool
    options: frozenset[str]

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        """The engines this suite measures, label -> choice (empty: none, e.g. ipc codecs).

        Called once, before anything runs, so a bad engine is refused early (UsageError).
        Choices are made for one process; the run stage places them in its processes.
        """
        ...

    def scenarios(self, config: Config) -> list[Scenario]:
        """The generation requests this suite makes (empty: none), for checks made before any
        model loads, such as the model's context length."""
        ...

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        """Measure: every benchmark of this suite."""
        ...

    def extend(
        self, ctx: SuiteContext, measured: list[Benchmark], todo: Undecided
    ) -> list[Benchmark]:
        """One more round: `measured` (this suite's benchmarks, in the order `run` gave them)
        with `ctx.config.samples` more samples added to the benchmarks in `todo` (each with the
        metrics it has left undecided), numbered from `ctx.first_sample`, on the warm engines
        of `ctx.workers` (no warm-up); the same benchmarks in the same order. Called only when
        `rounds` is true."""
        ...


class OneLook:
    """For a suite that adds no rounds: its samples are all taken by `run`."""

    rounds = False

    def extend(
        self, ctx: SuiteContext, measured: list[Benchmark], todo: Undecided
    ) -> list[Benchmark]:
        """Nothing to add: `measured` as it is."""
        return measured
