"""Adaptive sampling (`mlxguard run --until-decisive`): add trials until every verdict is decisive.

After the normal run, every same-job verdict (candidate or head against the reference or base,
decided by ``check.decision``) that is ``inconclusive`` sends its (suite, scenario, engine) back
for another round of interleaved trials, appended to the samples already measured; the check
stage's ``undecided`` says which. Stored-baseline verdicts are judged on run medians, which more
samples of this run cannot settle, so they never send a benchmark back. Rounds stop when
nothing is inconclusive, or when a benchmark reaches ``max_samples`` trials, or when
``max_seconds`` have passed since the start of the run. The compare suite is extended (both
engines, interleaved, parity counted over all trials; the ratios are the check's).

A round only adds samples: it runs on the run's own warm engines and worker processes (the
`Workers` pool), with no new process, no model reload and no second warm-up, and its samples
are numbered after those measured before (new prompts, the same seeded order rule).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlxguard.config import Config
from mlxguard.results import Benchmark, Metric, Parity, Results, write_results
from mlxguard.results.models import PromptSource
from mlxguard.run.plan import Scenario
from mlxguard.run.progress import Progress, progress_line
from mlxguard.run.roofline import with_roofline
from mlxguard.run.workers import Workers

# Trials added per round: fewer means more looks at the data (more chances of a false alarm).
MIN_BATCH = 10


@dataclass
class Outcome:
    """The extended results, and why the rounds stopped."""

    results: Results
    rounds: int
    stopped: str


# The suites whose scenarios a round can extend.
ADAPTIVE_SUITES = ("ttft", "throughput", "compare")


def _scenario_sources() -> dict[str, Callable[[Config], list[Scenario]]]:
    from mlxguard.suites import scenario_sources

    return {k: v for k, v in scenario_sources().items() if k in ADAPTIVE_SUITES}


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


def merge_parity(old: Parity | None, new: Parity | None) -> Parity | None:
    """Parity over both rounds' prompts (a round numbers its samples after the earlier ones)."""
    if old is None or new is None:
        return old or new
    return old.model_copy(
        update={
            "identical": old.identical + new.identical,
            "total": old.total + new.total,
            "first_divergence": old.first_divergence + new.first_divergence,
            "prompt_mismatches": old.prompt_mismatches + new.prompt_mismatches,
        }
    )


def merge_compare(old: Benchmark, new: Benchmark) -> Benchmark:
    """A compare candidate with ``new``'s trials appended, parity over all trials."""
    cand = extend_benchmark(old, new)
    return cand.model_copy(update={"parity": merge_parity(old.parity, new.parity)})


def _round(
    results: Results, config: Config, todo: set[tuple[str, str, str]], batch: int,
    workers: Workers, quiet: bool,
) -> Results:  # fmt: skip
    """Run ``batch`` more trials of every benchmark in ``todo``; return the extended results."""
    from mlxguard.engines.definitions import choose
    from mlxguard.models.synthetic import resolve_model
    from mlxguard.run.context import SuiteContext
    from mlxguard.run.runner import RunSettings, engine_settings, run_trials
    from mlxguard.run.session import model_label
    from mlxguard.suites.compare import run as run_compare

    model_dir = resolve_model(config.model)
    label = model_label(config.model, model_dir)
    progress = Progress(False if quiet else None)
    measured = {(b.suite, b.scenario, b.engine): b.trials for b in results.benchmarks}
    choice = choose(config.engine, config.engines, config.codec, config.processes or 1)
    # Benchmarks show a plugin's own name in place of its spec (display_name): find them by
    # their label, or by their spec when the label is the spec itself.
    mine = {
        (b.suite, b.scenario, b.engine)
        for b in results.benchmarks
        if b.suite in ("ttft", "throughput")
        and (b.engine == choice.label or (choice.label == choice.spec == b.engine_spec))
    } & todo
    wanted = {(s, n) for s, n, _ in mine}
    sources = _scenario_sources()
    scenarios = [
        sc
        for suite in ("ttft", "throughput")
        for sc in sources[suite](config)
        if (suite, sc.name) in wanted
    ]
    fresh: dict[tuple, Benchmark] = {}
    if scenarios:
        first = max(measured[k] for k in mine)
        # warmup=0: the engines were warmed up before the first sample.
        settings = RunSettings.of(
            config,
            str(model_dir),
            label,
            samples=batch,
            warmup=0,
            first_sample=first,
            **engine_settings({choice.label: choice}),
        )
        engines = {choice.label: choice.factory}
        found = run_trials(scenarios, engines, settings, progress, workers=workers)
        fresh.update((b.key, b) for b in found)
    pairs = [k for k in todo if k[0] == "compare"]
    if pairs:
        ctx = SuiteContext(
            config=config.with_overrides(samples=batch, warmup=0),
            model_dir=str(model_dir),
            model_label=label,
            progress=progress,
            workers=workers,
            first_sample=max(measured[k] for k in pairs),
        )
        fresh.update((b.key, b) for b in run_compare(ctx))
    old = {b.key: b for b in results.benchmarks}
    merged = {k: extend_benchmark(b, fresh[k]) if k in fresh else b for k, b in old.items()}
    for key, b in merged.items():
        if key in fresh and b.reference is not None:
            merged[key] = merge_compare(old[key], fresh[key])
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
    workers: Workers,
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
        workers: the run's warm engines; every round adds its samples on them.
        quiet: no progress bar, and no line per round (otherwise printed when stderr is not
            a terminal).
    """
    sources = _scenario_sources()
    # Whole rounds: every process of every arm gets the same number of added samples.
    per = config.processes or 1
    batch = -(-max(config.samples, MIN_BATCH) // per) * per
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
        added = min(batch, room)
        # The roofline follows decode speed: recomputed over all of its samples.
        results = with_roofline(_round(results, config, todo, added, workers, quiet))
        write_results(results, output)
        most = max(trials[k] for k in todo) + added
        progress_line(
            f"until-decisive round {rounds}: +{added} samples for {len(todo)} undecided "
            f"benchmark(s) (and their reference), now up to {most}; "
            f"{time.monotonic() - started:.0f} s elapsed",
            quiet,
        )
