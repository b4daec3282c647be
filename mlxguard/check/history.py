"""A baseline series seen as a history: each run's band, the change points, the latest step.

What the dashboard draws, computed here so that reports only format:

* ``band_low``/``band_high`` of run ``i``: the run-to-run band that ``check --baseline`` would
  have judged run ``i`` against, from the runs before it (``check.baseline``'s prediction band,
  ``ȳ ± t_{k−1} · s · sqrt(1 + 1/k)`` on the log scale at ``alpha`` each side, with the same
  prior spread); ``None`` while fewer than ``MIN_RUNS`` runs precede it and there is no prior;
* change points (``check.changepoints``), with the typical within-run half-interval as the
  noise floor;
* the latest run against the previous one: their ratio.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np

from mlxguard.baselines import Series
from mlxguard.check.baseline import run_spread
from mlxguard.check.changepoints import change_points


@dataclass(frozen=True)
class Band:
    low: float | None
    high: float | None


@dataclass(frozen=True)
class History:
    """One series of run medians with what the dashboard marks on it."""

    series: Series
    bands: list[Band]
    change_points: list[int]
    ratio: float | None  # latest median / previous median

    @property
    def latest_outside_band(self) -> bool:
        """Is the latest run's median outside the band of the runs before it?"""
        band, latest = self.bands[-1], self.series.runs[-1].median
        return (
            band.low is not None and band.high is not None and not (band.low <= latest <= band.high)
        )


def prediction_band(
    medians: list[float], alpha: float, between_run_cv: float | None = None
) -> Band:
    """The two-sided run-to-run band for one more run's median, from the spread the check uses
    (`check.baseline.run_spread`, with the same prior); ``None`` edges when it has none."""
    if not medians or any(m <= 0 for m in medians):
        return Band(None, None)
    logs = np.log(np.asarray(medians, dtype=float))
    spread = run_spread(logs, between_run_cv)
    if spread is None:
        return Band(None, None)
    half = float(spread.dist.ppf(1 - alpha)) * spread.sd * math.sqrt(1 + 1 / len(medians))
    center = float(logs.mean())
    return Band(math.exp(center - half), math.exp(center + half))


def _noise_floor(series: Series) -> float:
    halves = [
        (r.ci_high - r.ci_low) / 2
        for r in series.runs
        if r.ci_low is not None and r.ci_high is not None
    ]
    return statistics.median(halves) if halves else 0.0


def history(series: Series, alpha: float, between_run_cv: float | None = None) -> History:
    """The bands, change points and latest ratio of one baseline series (`between_run_cv`: the
    check's prior run-to-run CV, `[check] between_run_cv`)."""
    medians = series.medians()
    bands = [prediction_band(medians[:i], alpha, between_run_cv) for i in range(len(medians))]
    ratio = medians[-1] / medians[-2] if len(medians) >= 2 and medians[-2] > 0 else None
    return History(series, bands, change_points(medians, _noise_floor(series)), ratio)
