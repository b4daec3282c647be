"""Descriptive statistics and outlier detection for benchmark samples.

Pure functions over plain sequences of floats (stdlib and numpy only). Every function returns
``None``, never 0, when its value is undefined (no samples, fewer than two for a spread, a zero
denominator), so a report can say "n/a" instead of printing a misleading number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "MODIFIED_Z_THRESHOLD",
    "SUMMARY_FIELDS",
    "coefficient_of_variation",
    "mad",
    "modified_z_scores",
    "outliers",
    "percentile",
    "summarize",
]

SUMMARY_FIELDS = ("n", "mean", "median", "p50", "p90", "p95", "p99", "min", "max", "stddev")

# Iglewicz & Hoaglin (1993), "How to Detect and Handle Outliers", ASQC Quality Press, p. 11:
# 0.6745 is the 0.75 quantile of the standard normal, so 0.6745 * (x - median) / MAD is a
# z-score for normal data, and |M| > 3.5 is their recommended outlier cut-off.
_MODIFIED_Z_FACTOR = 0.6745
MODIFIED_Z_THRESHOLD = 3.5
# sqrt(pi / 2): for normal data, E|x - mu| = sigma * sqrt(2 / pi), so 1.253314 * mean absolute
# deviation estimates sigma. Used when MAD is 0 (more than half the samples are identical), the
# fallback documented with the modified z-score in IBM's SPSS Modeler/Cognos Analytics help.
_MEAN_AD_FACTOR = 1.253314


def _finite_array(samples: Sequence[float]) -> np.ndarray:
    """Return ``samples`` as a 1-D float array.

    Raises:
        ValueError: if a sample is NaN or infinite (the message names the first one and its index).
    """
    arr = np.asarray(samples, dtype=float).reshape(-1)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"sample {i} is {float(arr[i])!r}: samples must be finite numbers "
            f"({int(bad.sum())} of {arr.size} are not)"
        )
    return arr


def percentile(samples: Sequence[float], q: float) -> float | None:
    """Return the ``q``-th percentile with linear interpolation (numpy's default 'linear' method).

    This is Hyndman & Fan (1996) definition 7, the default of numpy, R and Excel's PERCENTILE.INC.

    Args:
        samples: the values.
        q: percentile in [0, 100].

    Returns:
        The percentile, or ``None`` when there are no samples.

    Raises:
        ValueError: if ``q`` is outside [0, 100] or a sample is not finite.
    """
    if not (isinstance(q, int | float) and 0 <= q <= 100):
        raise ValueError(f"percentile q={q!r} is outside [0, 100]")
    arr = _finite_array(samples)
    if arr.size == 0:
        return None
    return float(np.percentile(arr, q, method="linear"))


def summarize(samples: Sequence[float]) -> dict[str, float | int | None]:
    """Summarize samples as n, mean, median, p50, p90, p95, p99, min, max and stddev.

    Percentiles use linear interpolation; ``stddev`` is the sample standard deviation (ddof=1).

    Returns:
        A dict keyed by ``SUMMARY_FIELDS``. With no samples, ``n`` is 0 and every other value is
        ``None``; with one sample, ``stddev`` is ``None``.

    Raises:
        ValueError: if a sample is NaN or infinite.
    """
    arr = _finite_array(samples)
    n = int(arr.size)
    if n == 0:
        return {"n": 0, **{k: None for k in SUMMARY_FIELDS[1:]}}
    p50, p90, p95, p99 = (float(v) for v in np.percentile(arr, [50, 90, 95, 99], method="linear"))
    return {
        "n": n,
        "mean": float(np.mean(arr)),
        "median": p50,
        "p50": p50,
        "p90": p90,
        "p95": p95,
        "p99": p99,
        "min": float(arr.min()),
        "max": float(arr.max()),
        "stddev": float(np.std(arr, ddof=1)) if n >= 2 else None,
    }


def mad(samples: Sequence[float]) -> float | None:
    """Return the median absolute deviation from the median, unscaled.

    Multiply by 1.4826 to estimate the standard deviation of normal data (Rousseeuw & Croux 1993).

    Returns:
        ``median(|x - median(x)|)``, or ``None`` when there are no samples.
    """
    arr = _finite_array(samples)
    if arr.size == 0:
        return None
    return float(np.median(np.abs(arr - np.median(arr))))


def modified_z_scores(samples: Sequence[float]) -> list[float] | None:
    """Return the modified z-score of each sample (Iglewicz & Hoaglin 1993).

    ``M_i = 0.6745 * (x_i - median) / MAD``. When MAD is 0 (over half the samples tie), the
    scale falls back to ``1.253314 * mean(|x - median|)``, i.e. ``M_i = (x_i - median) /
    (1.253314 * MeanAD)``.

    Returns:
        One score per sample, or ``None`` when there are no samples or all samples are equal
        (no spread to scale by).
    """
    arr = _finite_array(samples)
    if arr.size == 0:
        return None
    dev = arr - np.median(arr)
    m = float(np.median(np.abs(dev)))
    if m > 0:
        return [float(v) for v in _MODIFIED_Z_FACTOR * dev / m]
    mean_ad = float(np.mean(np.abs(dev)))
    if mean_ad > 0:
        return [float(v) for v in dev / (_MEAN_AD_FACTOR * mean_ad)]
    return None


def outliers(samples: Sequence[float], threshold: float = MODIFIED_Z_THRESHOLD) -> list[int]:
    """Return the indices of samples whose modified z-score exceeds ``threshold`` in magnitude.

    The default 3.5 is the cut-off recommended by Iglewicz & Hoaglin (1993).

    Returns:
        Sorted indices; empty when there are no samples or no spread.
    """
    scores = modified_z_scores(samples)
    if scores is None:
        return []
    return [i for i, z in enumerate(scores) if abs(z) > threshold]


def coefficient_of_variation(samples: Sequence[float]) -> float | None:
    """Return the coefficient of variation: sample stddev (ddof=1) / |mean|.

    Returns:
        The ratio, or ``None`` with fewer than two samples or a zero mean.
    """
    arr = _finite_array(samples)
    if arr.size < 2:
        return None
    mean = float(np.mean(arr))
    if mean == 0 or not math.isfinite(mean):
        return None
    return float(np.std(arr, ddof=1)) / abs(mean)
