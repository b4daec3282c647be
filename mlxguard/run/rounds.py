"""Adaptive rounds (`mlxguard run --until-decisive`): add samples until every same-job verdict
is decisive, or the budget is spent.

After the suites ran once (the first look), every same-job verdict (candidate or head against
the reference or base, decided by ``check.decision``) that is ``inconclusive`` sends its
(suite, scenario, engine) back for another round; the check stage's ``undecided`` says which
(the run stage never imports the check: the caller passes it in). Stored-baseline verdicts are
judged on run medians, which more samples of this run cannot settle, so they never send a
benchmark back. Rounds stop when nothing is inconclusive, when every open benchmark reaches
``max_samples`` trials, or when the run's ``max_seconds`` have passed.

The loop knows no suite by name: each suite whose ``rounds`` is true extends its own
benchmarks (``Suite.extend``) on the run's warm engines and worker processes (the `Workers`
pool), with no new process, no model reload and no second warm-up; its samples are numbered
after those measured before (new prompts, the same seeded order rule).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from mlxguard.metrics import label
from mlxguard.results import Adaptive, Benchmark, Metric, Results, write_results
from mlxguard.results.models import PromptSource
from mlxguard.run.budget import Budget, Spending
from mlxguard.run.context import EVERY_METRIC, Undecided
from mlxguard.run.prepare import Prepared
from mlxguard.run.progress import Progress, progress_line
from mlxguard.run.roofline import with_roofline
from mlxguard.run.workers import Workers

# Samples added per round, at least: fewer means more looks at the data (more chances of a
# false alarm). A round adds max(--samples, ROUND_SAMPLES, ROUND_GROWTH x the samples held), so
# sixteen looks reach the default 480 samples (10, 20, 30, 40, 50, 63, 79, 99, 124, 155, 194,
# 243, 304, 380, 475, 480): growth keeps the looks few while the samples multiply.
ROUND_SAMPLES = 10
ROUND_GROWTH = 0.25

# Why the rounds stopped when they did not run out of budget.
DECISIVE = (
    "every same-job verdict is decisive, or its benchmark already failed on another metric "
    "(stored-baseline verdicts are judged on run medians: rounds do not extend them)"
)


def _joined(a: list[int] | None, b: list[int] | None) -> list[int] | None:
    return None if a is None or b is None else a + b


def extend_metric(name: str, a: Metric | None, b: Metric | None) -> Metric:
    """``a``'s samples then ``b``'s, with their processes and rounds (None if one lacks them)."""
    none = Metric.of(name, [], processes=[], rounds=[])
    a, b = a or none, b or none
    return Metric.of(
        name,
        a.samples + b.samples,
        a.warmup_samples + b.warmup_samples,
        processes=_joined(a.processes, b.processes),
        rounds=_joined(a.rounds, b.rounds),
    )


def _joined_sources(
    a: list[PromptSource] | None, b: list[PromptSource] | None
) -> list[PromptSource] | None:
    """Both rounds' prompt sources, in the order of their prompt_tokens samples."""
    return None if a is None and b is None else [*(a or []), *(b or [])]


def extend_benchmark(old: Benchmark, new: Benchmark) -> Benchmark:
    """``old`` with ``new``'s trials appended (summaries recomputed over all samples)."""
    metrics = {
        name: extend_metric(name, old.metrics.get(name), new.metrics.get(name))
        for name in old.metrics.keys() | new.metrics.keys()
    }
    trials = old.trials + new.trials
    return old.model_copy(
        update={
            "metrics": dict(sorted(metrics.items())),
            "trials": trials,
            "successes": old.successes + new.successes,
            "errors": sorted(set(old.errors) | set(new.errors)),
            "params": old.params.model_copy(update={"samples": trials}),
            "adaptive_rounds": old.adaptive_rounds + 1,
            # The workers are the same ones; their record now also counts this round's requests.
            "workers": new.workers if new.workers is not None else old.workers,
            "prompt_sources": _joined_sources(old.prompt_sources, new.prompt_sources),
        }
    )


def to_measure(now: Undecided, before: Undecided | None) -> Undecided:
    """What a round measures of each benchmark sent back: the metrics undecided at this look
    or the one before it (every metric after the first look). A suite may leave out a metric
    only once two looks in a row decided it: a verdict from one look on a few samples (10 on
    the H100, a slowed build's decode "improved" at 1.07x) is measured again before it stands.
    """
    if before is None:
        return {k: EVERY_METRIC for k in now}
    return {k: metrics | before.get(k, frozenset()) for k, metrics in now.items()}


def round_size(batch: int, held: int, room: int) -> int:
    """Samples the next round adds: `batch` (max(--samples, ROUND_SAMPLES)), or ROUND_GROWTH of
    the `held` samples when more, at most the `room` left under --max-samples."""
    return min(max(batch, math.ceil(ROUND_GROWTH * held)), room)


def look_schedule(max_samples: int) -> list[int]:
    """The samples held at each look of `--until-decisive` with the default round (no
    `--samples`), to `max_samples`: what the looks' error rates and replays are computed over."""
    looks = [ROUND_SAMPLES]
    while looks[-1] < max_samples:
        looks.append(looks[-1] + round_size(ROUND_SAMPLES, looks[-1], max_samples - looks[-1]))
    return looks


def _round(
    prepared: Prepared, results: Results, todo: Undecided, samples: int,
    workers: Workers, progress: Progress, budget: Budget, spending: Spending,
) -> Results:  # fmt: skip
    """``samples`` more trials of every benchmark in ``todo``, each suite extending its own."""
    trials = {(b.suite, b.scenario, b.engine): b.trials for b in results.benchmarks}
    benchmarks = list(results.benchmarks)
    config = prepared.config.with_overrides(samples=samples, warmup=0)
    for suite in prepared.suites:
        mine = {k: metrics for k, metrics in todo.items() if k[0] == suite.name}
        if not mine:
            continue
        ctx = prepared.context(suite, progress, workers, budget.started, budget.deadline, spending)
        ctx.config, ctx.first_sample = config, max(trials[k] for k in mine)
        own = [b for b in benchmarks if b.suite == suite.name]
        extended = iter(suite.extend(ctx, own, mine))
        benchmarks = [next(extended) if b.suite == suite.name else b for b in benchmarks]
    return results.model_copy(update={"benchmarks": benchmarks})


def run_rounds(
    prepared: Prepared,
    results: Results,
    output: Path,
    budget: Budget,
    spending: Spending,
    *,
    undecided: Callable[[Results], Undecided],
    workers: Workers,
    quiet: bool = True,
) -> Results:
    """Add rounds to ``results`` (the first look) until decisive or out of budget.

    Args:
        prepared: the run.
        results: the first look, already written to ``output``.
        output: the results file, rewritten after each round.
        budget: the run's budget (``max_samples``, ``max_seconds``): a round stops at its
            deadline, mid-round if need be.
        spending: what the run spent against it (what the budget cut goes there).
        undecided: the (suite, scenario, engine) whose same-job verdict is still inconclusive,
            each with those metrics (a suite may measure only what they need).
        workers: the run's warm engines; every round adds its samples on them.
        quiet: no progress bar, and no line per round (otherwise printed when stderr is not
            a terminal).

    Returns:
        The results with every round, and `run.adaptive` saying how many and why they stopped.
    """
    extendable = {s.name for s in prepared.suites if s.rounds}
    batch = max(prepared.config.samples, ROUND_SAMPLES)
    progress = Progress(False if quiet else None)
    rounds = 0
    before: Undecided | None = None
    while True:
        trials = {(b.suite, b.scenario, b.engine): b.trials for b in results.benchmarks}
        open_ = undecided(results)
        todo = {
            k: metrics
            for k, metrics in to_measure(open_, before).items()
            if k[0] in extendable and trials.get(k, 0) < budget.max_samples
        }
        before = open_
        if not open_:
            stopped = DECISIVE
        elif not todo:
            stopped = f"budget: {budget.max_samples} samples reached"
        elif budget.spent():
            stopped = f"budget: {budget.max_seconds:g} s reached"
        else:
            rounds += 1
            held = max(trials[k] for k in todo)
            added = round_size(batch, held, min(budget.max_samples - trials[k] for k in todo))
            # The roofline follows decode speed: recomputed over all of its samples.
            results = with_roofline(
                _round(prepared, results, todo, added, workers, progress, budget, spending)
            )
            write_results(results, output)
            most = held + added
            undecided_metrics = ", ".join(sorted({label(m) for k in todo for m in open_[k]}))
            progress_line(
                f"until-decisive round {rounds}: +{added} samples for {len(todo)} undecided "
                f"benchmark(s) (and their reference; {undecided_metrics}), now up to {most}; "
                f"{budget.elapsed():.0f} s elapsed",
                quiet,
            )
            continue
        record = Adaptive(rounds=rounds, stopped=stopped)
        run = results.run.model_copy(update={"adaptive": record, "budget": spending.record(budget)})
        results = results.model_copy(update={"run": run})
        write_results(results, output)
        return results
