"""A baseline series seen as a history: each run's band, the change points, the latest step.

What the dashboard draws, computed here so that reports only format:

* ``band_low``/``band_high`` of run ``i``: the run-to-run band that ``check --baseline`` would
  have judged run ``i`` against, from the runs before it (``check.baseline``'s prediction band,
  ``ȳ ± t_{k−1} · s · sqrt(1 + 1/k)`` on the log scale at ``alpha`` each side, with the same
  prior spread); ``None`` while fewer than ``MIN_RUNS`` runs precede it and there is no prior;
* change points (``check.changepoints``), with the typical within-run half-interval as the
  noise floor;
* each run against the one before: their ratio, and whether it moved beyond the check's
  tolerance (up or down), which the page marks by shape and sign, not by colour alone;
* the latest run against the previous one: their ratio.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from itertools import pairwise

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
    # Per run: +1 / -1 when its median rose / fell beyond the tolerance from the run before.
    moved: list[int] = field(default_factory=list)
    steps: list[float | None] = field(default_factory=list)  # median / the previous median

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


def _moved(step: float | None, tolerance: float | None) -> int:
    if step is None or tolerance is None or abs(step - 1.0) <= tolerance:
        return 0
    return 1 if step > 1.0 else -1


def history(
    series: Series,
    alpha: float,
    between_run_cv: float | None = None,
    tolerance: float | None = None,
) -> History:
    """The bands, change points and steps of one baseline series (`between_run_cv`: the
    check's prior run-to-run CV, `[check] between_run_cv`; `tolerance`: the metric's, beyond
    which a step from one run to the next is marked)."""
    medians = series.medians()
    bands = [prediction_band(medians[:i], alpha, between_run_cv) for i in range(len(medians))]
    steps: list[float | None] = [None]
    steps += [b / a if a > 0 else None for a, b in pairwise(medians)]
    return History(
        series,
        bands,
        change_points(medians, _noise_floor(series)),
        steps[-1] if len(steps) >= 2 else None,
        moved=[_moved(step, tolerance) for step in steps],
        steps=steps,
    )
