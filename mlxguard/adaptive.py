"""Adaptive sampling (`mlxguard run --until-decisive`): add trials until every verdict is decisive.

After the normal run, every gated verdict against the baseline (or the reference engine) that
is ``inconclusive`` sends its (suite, scenario, engine) back for another round of interleaved
trials, appended to the samples already measured. Rounds stop when nothing is inconclusive, or
when a benchmark reaches ``max_samples`` trials, or when ``max_seconds`` have passed since the
start of the run. Only the generation suites (ttft, throughput) can be extended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlxguard.baselines import Baseline
from mlxguard.check import evaluate
from mlxguard.config import Config
from mlxguard.plan import Scenario
from mlxguard.results import Benchmark, Metric, Results, write_results

# Trials added per round: fewer means more looks at the data (more chances of a false alarm).
MIN_BATCH = 10


@dataclass
class Outcome:
    """The extended results, and why the rounds stopped."""

    results: Results
    rounds: int
    stopped: str


def _scenario_sources() -> dict[str, Callable[[Config], list[Scenario]]]:
    from mlxguard.suites.generation import throughput_scenarios, ttft_scenarios

    return {"ttft": ttft_scenarios, "throughput": throughput_scenarios}


def undecided(
    results: Results, config: Config, baselines: list[Baseline] | None, allow_cross: bool
) -> set[tuple[str, str, str]]:
    """The (suite, scenario, engine) whose baseline or reference verdict is inconclusive."""
    # An interim look: only a fail whose whole interval is beyond the tolerance stops early.
    report = evaluate(results, config, baselines, allow_cross_machine=allow_cross, interim=True)
    return {
        (v.suite, v.scenario, v.engine)
        for v in report.verdicts
        if v.kind in ("baseline", "reference") and v.status == "inconclusive"
    }


def extend_benchmark(old: Benchmark, new: Benchmark) -> Benchmark:
    """``old`` with ``new``'s trials appended (summaries recomputed over all samples)."""
    metrics = {}
    for name in old.metrics.keys() | new.metrics.keys():
        a, b = old.metrics.get(name), new.metrics.get(name)
        samples = (a.samples if a else []) + (b.samples if b else [])
        warm = (a.warmup_samples if a else []) + (b.warmup_samples if b else [])
        metrics[name] = Metric.of(name, samples, warm)
    trials = old.trials + new.trials
    return old.model_copy(
        update={
            "metrics": dict(sorted(metrics.items())),
            "trials": trials,
            "successes": old.successes + new.successes,
            "errors": sorted(set(old.errors) | set(new.errors)),
            "params": {**old.params, "samples": trials},
            "extra": {**old.extra, "adaptive_rounds": old.extra.get("adaptive_rounds", 0) + 1},
        }
    )


def _round(
    results: Results, config: Config, todo: set[tuple[str, str, str]], batch: int, seed: int,
    quiet: bool,
) -> Results:  # fmt: skip
    """Run ``batch`` more trials of every benchmark in ``todo``; return the extended results."""
    from mlxguard.engines import resolve_engine
    from mlxguard.execute import model_label
    from mlxguard.progress import Progress
    from mlxguard.runner import RunSettings, run_trials
    from mlxguard.synthetic import resolve_model

    model_dir = resolve_model(config.model)
    settings = RunSettings(
        model_dir=str(model_dir),
        model_label=model_label(config.model, model_dir),
        samples=batch,
        warmup=config.warmup,
        seed=seed,
        temperature=config.temperature,
        cooldown_s=config.cooldown_s,
    )
    wanted = {(s, n) for s, n, e in todo if e == config.engine}
    sources = _scenario_sources()
    scenarios = [
        sc for suite in sources for sc in sources[suite](config) if (suite, sc.name) in wanted
    ]
    engines = {config.engine: resolve_engine(config.engine)}
    fresh = {
        b.key: b for b in run_trials(scenarios, engines, settings, Progress(not quiet and None))
    }
    merged = [
        extend_benchmark(b, fresh[b.key]) if b.key in fresh else b for b in results.benchmarks
    ]
    return results.model_copy(update={"benchmarks": merged})


def run_until_decisive(
    config: Config,
    results: Results,
    output: Path,
    *,
    baselines: list[Baseline] | None,
    allow_cross_machine: bool,
    max_samples: int,
    max_seconds: float,
    started: float,
    quiet: bool = True,
) -> Outcome:
    """Add rounds to ``results`` (already measured) until decisive or out of budget.

    Args:
        config: the run's effective config (engine, model, samples, seed).
        results: the first pass.
        output: the results file, rewritten after each round.
        baselines: the baselines to decide against (None: only reference verdicts count).
        allow_cross_machine: as for ``check``.
        max_samples: largest number of trials of one benchmark.
        max_seconds: wall-clock budget, counted from ``started`` (a ``time.monotonic()``).
        started: when the run began.
        quiet: no progress bar.
    """
    sources = _scenario_sources()
    batch = max(config.samples, MIN_BATCH)
    rounds = 0
    while True:
        trials = {(b.suite, b.scenario, b.engine): b.trials for b in results.benchmarks}
        open_ = undecided(results, config, baselines, allow_cross_machine)
        if not open_:
            return Outcome(results, rounds, "every gated verdict is decisive")
        todo = {k for k in open_ if k[0] in sources and trials.get(k, 0) < max_samples}
        if not todo:
            return Outcome(results, rounds, f"budget: {max_samples} samples reached")
        if time.monotonic() - started >= max_seconds:
            return Outcome(results, rounds, f"budget: {max_seconds:g} s reached")
        room = min(max_samples - trials[k] for k in todo)
        rounds += 1
        results = _round(results, config, todo, min(batch, room), config.seed + rounds, quiet)
        write_results(results, output)
