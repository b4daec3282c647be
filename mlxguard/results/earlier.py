"""The results as an earlier look of `--until-decisive` saw them: only the first rounds.

Re-judging a run look by look (`scripts/bench_across_runs.py looks`) and showing that a round
was added only where the look before it was undecided both need the results as they stood
then. A sample's round is `Metric.rounds` (a load point's window; a sample's index where a
suite's rounds add single samples).
"""

from __future__ import annotations

from mlxguard.results.models import Benchmark, Metric, Results


def _first_rounds_of(b: Benchmark, rounds: int) -> Benchmark:
    metrics = {}
    for name, m in b.metrics.items():
        # A sample with no round recorded cannot be placed before or after a look: left out.
        keep = [i for i, r in enumerate(m.rounds or []) if r < rounds]
        metrics[name] = Metric.of(
            name, [m.samples[i] for i in keep], m.warmup_samples,
            processes=[m.processes[i] for i in keep] if m.processes else None,
            rounds=[m.rounds[i] for i in keep] if m.rounds else None,
        )  # fmt: skip
    # Each trial gives every per-trial metric one sample: the most kept is the trials kept.
    trials = min(b.trials, max((len(m.samples) for m in metrics.values()), default=0))
    update: dict[str, object] = {
        "metrics": metrics,
        "trials": trials,
        "successes": min(b.successes, trials),
    }
    if b.load is not None:
        windows = [w for w in b.load.windows if w.round < rounds]
        update["load"] = b.load.model_copy(update={"windows": windows})
    return b.model_copy(update=update)


def first_rounds(results: Results, rounds: int) -> Results:
    """``results`` as if only the rounds below ``rounds`` had run."""
    benchmarks = [_first_rounds_of(b, rounds) for b in results.benchmarks]
    return results.model_copy(update={"benchmarks": benchmarks})
