"""Stability warnings: benchmarks whose samples are too noisy to be taken at face value.

As pyperf's checks do, each warning lists every reason with its figure, then what helps:
- spread: the robust relative spread (1.4826 * MAD / median) of a gated metric is 10% or more;
- outliers: samples whose modified Z-score exceeds 3.5 (Iglewicz & Hoaglin 1993, with a guard
  for MAD = 0) and that lie 10% or more from the median, when they are 5% of 5 or more samples.
"""

from __future__ import annotations

from collections.abc import Callable

from mlxguard.config import CheckSettings
from mlxguard.metrics import format_value
from mlxguard.results import Metric, Results
from mlxguard.stats import MODIFIED_Z_THRESHOLD, outliers, percentile, robust_spread

# Robust relative spread above which samples are flagged unstable. MAD rather than stdev (pyperf
# uses stdev) so one preempted sample among thousands of microsecond-scale IPC timings does not
# raise a warning on its own.
UNSTABLE_SPREAD = 0.10
# Fewer samples than this have no outliers to speak of: with three, any odd one looks outlying.
MIN_OUTLIER_SAMPLES = 5
# Share of outlying samples that earns a warning: one preempted trial in ten is worth a word,
# a few preemptions among thousands of IPC timings are not.
OUTLIER_SHARE = 0.05
# An outlier must also matter: on a tight run (MAD of 0.2%) a sample 2% off the median scores a
# modified Z of 7, but nobody should rerun a benchmark for 2%. Same bar as the spread's.
OUTLIER_MIN_DEVIATION = UNSTABLE_SPREAD
ADVICE = "close other apps, add --samples, or add --cooldown"


def instability(name: str, samples: list[float]) -> list[str]:
    """The reasons one metric's samples are unstable, each with its figure (none: stable)."""
    reasons = []
    spread = robust_spread(samples)
    if spread is not None and spread >= UNSTABLE_SPREAD:
        reasons.append(f"{name} ±{spread:.0%} of the median")
    median = percentile(samples, 50)
    flagged = (
        [
            i
            for i in outliers(samples)
            if abs(samples[i] - median) >= OUTLIER_MIN_DEVIATION * abs(median)
        ]
        if len(samples) >= MIN_OUTLIER_SAMPLES and median
        else []
    )
    if flagged and median is not None and len(flagged) >= OUTLIER_SHARE * len(samples):
        worst = max((samples[i] for i in flagged), key=lambda x: abs(x - median))
        reasons.append(
            f"{name} {len(flagged)} of {len(samples)} samples outlying "
            f"(modified Z > {MODIFIED_Z_THRESHOLD}; worst {format_value(name, worst)}, "
            f"median {format_value(name, median)})"
        )
    return reasons


def benchmark_warnings(
    results: Results,
    settings: CheckSettings,
    reasons_of: Callable[[str, Metric], list[str]],
    what: str,
    advice: str,
) -> list[str]:
    """One line per benchmark with reasons on its gated metrics: `label: what (reasons); advice`."""
    out = []
    for b in results.benchmarks:
        reasons = [
            reason
            for name in settings.gated_for(b.suite)
            if (m := b.metrics.get(name)) is not None and m.samples
            for reason in reasons_of(name, m)
        ]
        if reasons:
            out.append(f"{b.label}: {what} ({'; '.join(reasons)}); {advice}")
    return out


def stability_warnings(results: Results, settings: CheckSettings) -> list[str]:
    """One line per benchmark whose gated samples are unstable, every reason with its figure."""
    return benchmark_warnings(
        results, settings, lambda name, m: instability(name, m.samples), "unstable", ADVICE
    )
