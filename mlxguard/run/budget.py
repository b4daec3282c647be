"""A run's budget: how long the whole run may take, and how far `--until-decisive` may extend it.

`--max-seconds` bounds the whole run: worker starts, warm-ups, the first look, cold trials and
the rounds. The runner looks at the clock before every trial (warm-ups included) and before
starting workers, so a run ends at most one trial (plus shutdown) past its budget. The first
look shares the budget among the suites still to run (`Budget.share`): a slow first suite
cannot starve the others, and what one leaves unused goes to the next. What the budget cut is
written down (`Spending`) and recorded in the results (`run.budget`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mlxguard.defaults import DEFAULT_MAX_SAMPLES, DEFAULT_MAX_SECONDS
from mlxguard.results import BudgetSpent, ProcessChoice


@dataclass(frozen=True)
class Budget:
    """What a run may spend.

    Attributes:
        until_decisive: add rounds while a same-job verdict is inconclusive.
        max_samples: trials of one benchmark, at most, with the rounds.
        max_seconds: wall-clock seconds of the whole run, counted from `started`.
        started: when the run began (`time.monotonic()`).
    """

    until_decisive: bool = False
    max_samples: int = DEFAULT_MAX_SAMPLES
    max_seconds: float = DEFAULT_MAX_SECONDS
    started: float = field(default_factory=time.monotonic)

    @property
    def deadline(self) -> float:
        """When the run must stop starting trials (`time.monotonic()`)."""
        return self.started + self.max_seconds

    def elapsed(self) -> float:
        """Seconds since the run began."""
        return time.monotonic() - self.started

    def spent(self) -> bool:
        """Is the wall-clock budget used up?"""
        return self.elapsed() >= self.max_seconds

    def share(self, suites_left: int) -> float:
        """The deadline of the next suite's first look: an equal share of what is left among
        the `suites_left` suites still to run (the last one gets all of it)."""
        now = time.monotonic()
        return now + max(self.deadline - now, 0.0) / max(suites_left, 1)


@dataclass
class Spending:
    """What the run spent against its budget, filled in as it runs (one per run).

    Attributes:
        auto_processes: the processes per engine are chosen from the measured start cost
            (`--processes` not given, every engine in a worker process).
        processes: that choice, once made (by the first suite that starts workers).
        cut: labels of benchmarks that got fewer trials than planned: the budget ran out.
    """

    auto_processes: bool = False
    processes: ProcessChoice | None = None
    cut: list[str] = field(default_factory=list)

    def record(self, budget: Budget) -> BudgetSpent:
        """The results' `run.budget`."""
        return BudgetSpent(
            max_seconds=budget.max_seconds,
            elapsed_s=round(budget.elapsed(), 3),
            cut=list(dict.fromkeys(self.cut)),
            processes=self.processes,
        )
