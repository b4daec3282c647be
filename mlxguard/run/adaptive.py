"""Adaptive sampling (`mlxguard run --until-decisive`): add trials until every verdict is decisive.

After the normal run, every gated verdict against the baseline (or the reference engine) that
is ``inconclusive`` sends its (suite, scenario, engine) back for another round of interleaved
trials, appended to the samples already measured. Rounds stop when nothing is inconclusive, or
when a benchmark reaches ``max_samples`` trials, or when ``max_seconds`` have passed since the
start of the run. The generation suites (ttft, throughput) and the compare suite (both engines,
interleaved, ratios and parity recomputed over all trials) can be extended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlxguard.config import Config
from mlxguard.results import Benchmark, Metric, Results, write_results
from mlxguard.run.plan import Scenario

# Trials added per round: fewer means more looks at the data (more chances of a false alarm).
MIN_BATCH = 10


@dataclass
class Outcome:
    """The extended results, and why the rounds stopped."""

    results: Results
    rounds: int
    stopped: str


def _scenario_sources() -> dict[str, Callable[[Config], list[Scenario]]]:
    from mlxguard.suites.compare import compare_scenario
    from mlxguard.suites.generation import throughput_scenarios, ttft_scenarios

    return {
        "ttft": ttft_scenarios,
        "throughput": throughput_scenarios,
        "compare": lambda config: [compare_scenario(config)],
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


def merge_compare(old: Benchmark, new: Benchmark, merged: dict[tuple, Benchmark]) -> Benchmark:
    """A compare candidate with ``new``'s trials appended: ratios and parity over all trials."""
    from mlxguard.suites.compare import ratios

    cand = extend_benchmark(old, new)
    info = dict(old.extra.get("reference") or {})
    ref = merged.get((cand.suite, info.get("engine"), cand.model, cand.scenario))
    if ref is not None:
        info["ratios"] = ratios(cand, ref, confidence=info.get("confidence", 0.95), seed=0)
    a, b = old.extra.get("parity") or {}, new.extra.get("parity") or {}
    identical = a.get("identical", 0) + b.get("identical", 0)
    total = a.get("total", 0) + b.get("total", 0)
    shifted = [  # the new round numbers its samples from 0 again
        {**d, "sample": d["sample"] + old.trials} for d in b.get("first_divergence", [])
    ]
    parity = {
        **a,
        "identical": identical,
        "total": total,
        "share": identical / total if total else None,
        "first_divergence": a.get("first_divergence", []) + shifted,
    }
    return cand.model_copy(update={"extra": {**cand.extra, "reference": info, "parity": parity}})


def _round(
    results: Results, config: Config, todo: set[tuple[str, str, str]], batch: int, seed: int,
    quiet: bool,
) -> Results:  # fmt: skip
    """Run ``batch`` more trials of every benchmark in ``todo``; return the extended results."""
    from mlxguard.engines import configured_engine
    from mlxguard.models.synthetic import resolve_model
    from mlxguard.run.progress import Progress
    from mlxguard.run.runner import RunSettings, run_trials
    from mlxguard.run.session import model_label
    from mlxguard.suites import SuiteContext
    from mlxguard.suites.compare import run as run_compare

    model_dir = resolve_model(config.model)
    label = model_label(config.model, model_dir)
    progress = Progress(False if quiet else None)
    settings = RunSettings(
        model_dir=str(model_dir),
        model_label=label,
        samples=batch,
        warmup=config.warmup,
        seed=seed,
        temperature=config.temperature,
        cooldown_s=config.cooldown_s,
    )
    wanted = {(s, n) for s, n, e in todo if e == config.engine}
    sources = _scenario_sources()
    scenarios = [
        sc
        for suite in ("ttft", "throughput")
        for sc in sources[suite](config)
        if (suite, sc.name) in wanted
    ]
    fresh: dict[tuple, Benchmark] = {}
    if scenarios:
        engines = {config.engine: configured_engine(config.engine, config.codec)}
        fresh.update((b.key, b) for b in run_trials(scenarios, engines, settings, progress))
    if any(suite == "compare" for suite, _, _ in todo):
        pair = config.with_overrides(samples=batch, seed=seed)
        ctx = SuiteContext(config=pair, model_dir=str(model_dir), model_label=label,
                           progress=progress)  # fmt: skip
        fresh.update((b.key, b) for b in run_compare(ctx))
    old = {b.key: b for b in results.benchmarks}
    merged = {k: extend_benchmark(b, fresh[k]) if k in fresh else b for k, b in old.items()}
    for key, b in merged.items():
        if key in fresh and "reference" in b.extra:
            merged[key] = merge_compare(old[key], fresh[key], merged)
    return results.model_copy(update={"benchmarks": list(merged.values())})


def run_until_decisive(
    config: Config,
    results: Results,
    output: Path,
    *,
    undecided: Callable[[Results], set[tuple[str, str, str]]],
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
        undecided: the (suite, scenario, engine) of the results whose verdict is still
            inconclusive (the check stage's ``undecided``, bound to the baselines).
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
        open_ = undecided(results)
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
