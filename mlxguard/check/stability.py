"""Stability warnings: benchmarks whose samples are too noisy to be taken at face value.

As pyperf's checks do, a warning lists every reason with its figure, then what helps:
- spread: the robust relative spread (1.4826 * MAD / median) of a gated metric is 10% or more;
- outliers: samples whose modified Z-score exceeds 3.5 (Iglewicz & Hoaglin 1993, with a guard
  for MAD = 0) and that lie 25% or more from the median, when there are at least 2 of them and
  they are 5% of 5 or more samples.

Calibrated on A/A runs of a quiet machine (docs/regression.md, "How often a warning fires"):
with outliers 10% off the median and a single one enough, 21% of the benchmarks of identical
runs warned, most for one stray trial among five that the median and the process-level interval
already shrug off; these thresholds keep what repeats (a second speed regime, a wide spread).
All the benchmarks that one cause flags share one line.

A load point is judged on what it repeats (`repeated`): its requests differ by design (a
request's place in its batch or its queue), so their spread says nothing of the machine, while
windows that disagree do; an open-loop point repeats nothing (each window draws its own
arrivals, so its throughput and queueing differ by design too) and is not judged.
"""

from __future__ import annotations

from collections.abc import Callable

from mlxguard.config import CheckSettings, samples_flag
from mlxguard.metrics import format_value
from mlxguard.results import Benchmark, Metric, Results
from mlxguard.stats import MODIFIED_Z_THRESHOLD, outliers, percentile, robust_spread

# Robust relative spread above which samples are flagged unstable. MAD rather than stdev (pyperf
# uses stdev) so one preempted sample among thousands of microsecond-scale IPC timings does not
# raise a warning on its own.
UNSTABLE_SPREAD = 0.10
# Fewer samples than this have no outliers to speak of: with three, any odd one looks outlying.
MIN_OUTLIER_SAMPLES = 5
# Share of outlying samples that earns a warning: a few preemptions among thousands of IPC
# timings are not worth a word.
OUTLIER_SHARE = 0.05
# One stray trial is no pattern (the median ignores it): two are.
MIN_OUTLIERS = 2
# An outlier must also matter: on a tight run (MAD of 0.2%) a sample 2% off the median scores a
# modified Z of 7, and on a quiet machine single trials land 10-24% off; a second speed regime
# (the cases worth a warning in the A/A runs) lies 40% or more away.
OUTLIER_MIN_DEVIATION = 0.25
# `{samples}`: what adds samples to the suites flagged (`config.samples_flag`).
ADVICE = "close other apps, add {samples}, or add --cooldown"


def instability(
    name: str,
    samples: list[float],
    *,
    spread_limit: float = UNSTABLE_SPREAD,
    deviation: float = OUTLIER_MIN_DEVIATION,
    min_outliers: int = MIN_OUTLIERS,
) -> list[str]:
    """The reasons one metric's samples are unstable, each with its figure (none: stable).

    The keyword arguments are the thresholds (module docstring), given only to replay other
    calibrations (`scripts/bench_stability.py`).
    """
    reasons = []
    spread = robust_spread(samples)
    if spread is not None and spread >= spread_limit:
        reasons.append(f"{name} ±{spread:.0%} of the median")
    median = percentile(samples, 50)
    flagged = (
        [i for i in outliers(samples) if abs(samples[i] - median) >= deviation * abs(median)]
        if len(samples) >= MIN_OUTLIER_SAMPLES and median
        else []
    )
    if median is not None and len(flagged) >= max(min_outliers, OUTLIER_SHARE * len(samples)):
        worst = max((samples[i] for i in flagged), key=lambda x: abs(x - median))
        reasons.append(
            f"{name} {len(flagged)} of {len(samples)} samples outlying "
            f"(modified Z > {MODIFIED_Z_THRESHOLD}; worst {format_value(name, worst)}, "
            f"median {format_value(name, median)})"
        )
    return reasons


def repeated(benchmark: Benchmark, name: str, metric: Metric) -> Metric | None:
    """What a benchmark repeats, whose spread tells whether it is stable: its samples, except at
    a closed-loop load point, where it is its windows: each window's median (a per-window
    figure, one sample a window, is its own), labelled by window in `rounds`. None at an
    open-loop point: its windows differ by design (each draws its own arrivals)."""
    if benchmark.load is not None and benchmark.load.kind == "rate":
        return None
    if benchmark.load is None or metric.rounds is None:
        return metric
    windows: dict[int, list[float]] = {}
    for value, window in zip(metric.samples, metric.rounds, strict=True):
        windows.setdefault(window, []).append(value)
    order = sorted(windows)
    medians = [percentile(windows[w], 50) or 0.0 for w in order]
    return Metric.of(name, medians, rounds=order)


def benchmark_warnings(
    results: Results,
    settings: CheckSettings,
    reasons_of: Callable[[str, Metric], list[str]],
    what: str,
    advice: str,
) -> list[str]:
    """One line for every benchmark with reasons on its gated metrics (none when there is none):
    `what in N benchmark(s) — label (reasons), label (reasons) — advice`; a load point's
    reasons are about its windows (`repeated`), and say so. `{samples}` in `advice` becomes
    what adds samples to the suites named (`--samples`, flexible's `-q/--questions`)."""
    found = []
    suites: dict[str, None] = {}
    for b in results.benchmarks:
        reasons = [
            reason
            for name in settings.gated_for(b.suite)
            if (m := b.metrics.get(name)) is not None
            and m.samples
            and (judged := repeated(b, name, m)) is not None
            for reason in reasons_of(name, judged)
        ]
        if reasons:
            by = "window medians: " if b.load is not None else ""
            found.append(f"{b.label} ({by}{'; '.join(reasons)})")
            suites[samples_flag(b.suite)] = None
    if not found:
        return []
    n = len(found)
    advice = advice.format(samples=" or ".join(suites))
    return [f"{what} in {n} benchmark{'s' if n > 1 else ''} — {', '.join(found)} — {advice}"]


def stability_warnings(results: Results, settings: CheckSettings) -> list[str]:
    """One line naming every benchmark whose gated samples are unstable, each reason with its
    figure."""
    return benchmark_warnings(
        results,
        settings,
        lambda name, m: instability(name, m.samples),
        "unstable samples",
        ADVICE,
    )
