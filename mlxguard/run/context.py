"""What a suite runs with, and what a suite is: the seam between the run stage and the suites."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlxguard.config import Config
from mlxguard.results import Benchmark
from mlxguard.run.progress import Progress
from mlxguard.run.workers import Workers


@dataclass
class SuiteContext:
    """What every suite gets: the effective config, the resolved model, and the progress bar.

    `workers` keeps the warm engines for later rounds (None: each suite closes its own), and
    `first_sample` numbers the samples of an added round after those measured before.
    """

    config: Config
    model_dir: str
    model_label: str
    progress: Progress
    workers: Workers | None = None
    first_sample: int = 0


# A suite: its benchmarks for a context (the suites package names and finds them).
SuiteRunner = Callable[[SuiteContext], list[Benchmark]]
