"""Stability warnings: benchmarks whose samples spread too much to be trusted at face value."""

from __future__ import annotations

from mlxguard.config import CheckSettings
from mlxguard.results import Results
from mlxguard.stats import mad, percentile

# Robust relative spread (1.4826 * MAD / median) above which samples are flagged unstable.
# MAD rather than stdev (pyperf's choice) so one preempted sample among thousands of
# microsecond-scale IPC timings does not raise a warning on its own.
UNSTABLE_SPREAD = 0.10


def robust_spread(samples: list[float]) -> float | None:
    """1.4826 * MAD / median: the normal-consistent spread, relative to the median."""
    if len(samples) < 2:
        return None
    m, median = mad(samples), percentile(samples, 50)
    return 1.4826 * m / abs(median) if m is not None and median else None


def stability_warnings(results: Results, settings: CheckSettings) -> list[str]:
    """One line per benchmark whose gated samples spread by 10% or more of their median."""
    out = []
    for b in results.benchmarks:
        spread = []
        for name in settings.gated_for(b.suite):
            m = b.metrics.get(name)
            cv = robust_spread(m.samples) if m else None
            if cv is not None and cv >= UNSTABLE_SPREAD:
                spread.append(f"{name} ±{cv:.0%}")
        if spread:
            out.append(
                f"{b.suite} {b.scenario} · {b.engine}: unstable ({', '.join(spread)} "
                "of the median); close other apps, add --samples, or add --cooldown"
            )
    return out
