"""Change points in a short series of run medians (3 to a few hundred runs).

The method asv's step detection is based on: Friedrich, Kempe, Liebscher & Winkler, "Complexity
Penalized M-Estimation: Fast Computation", J. Comput. Graph. Stat. 17(1), 2008. Fit a
piecewise-constant level to ``y`` minimising

    gamma · (number of segments) + Σ |y_i − level(segment of i)|

(the L1 "Potts" functional; each level is its segment's median), exactly, by dynamic
programming over the O(n²) segments; n is a baseline's kept runs (at most 100), so this costs
milliseconds. asv picks ``gamma`` by a search on an information criterion, which finds steps in
three flat runs; here ``gamma`` comes from the noise instead: ``2 · σ · ln n`` with ``σ`` a robust
scale of first differences (``1.4826 · MAD / √2``, insensitive to a few steps), floored by the
within-run noise so near-identical medians do not turn every wiggle into a step. A segment needs
``MIN_SEGMENT`` runs: one odd run is an outlier, not a new level.

Pure Python, no numpy: the series are short.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence

MIN_SEGMENT = 2
PENALTY = 2.0  # BIC-like: gamma grows with ln n


def noise_scale(y: Sequence[float]) -> float:
    """A robust per-point noise scale from first differences (0 for fewer than 3 points)."""
    if len(y) < 3:
        return 0.0
    d = [b - a for a, b in itertools.pairwise(y)]
    center = statistics.median(d)
    return 1.4826 * statistics.median(abs(x - center) for x in d) / math.sqrt(2.0)


def _cost(y: Sequence[float], a: int, b: int) -> float:
    level = statistics.median(y[a:b])
    return sum(abs(v - level) for v in y[a:b])


def change_points(y: Sequence[float], floor: float = 0.0) -> list[int]:
    """Indices where a new level starts (``y[i]`` is the first run after a step).

    Args:
        y: run medians, oldest first.
        floor: the smallest noise scale to assume, e.g. the typical within-run half-interval.
    """
    n = len(y)
    if n < 2 * MIN_SEGMENT:
        return []
    scale = max(noise_scale(y), floor, 1e-12 * max(abs(v) for v in y))
    gamma = PENALTY * scale * math.log(n)
    best = [math.inf] * (n + 1)  # best[b]: the optimum of the functional on y[:b]
    cut = [0] * (n + 1)
    best[0] = 0.0
    for b in range(MIN_SEGMENT, n + 1):
        for a in range(0, b - MIN_SEGMENT + 1):
            if best[a] == math.inf:
                continue
            value = best[a] + gamma + _cost(y, a, b)
            if value < best[b]:
                best[b], cut[b] = value, a
    starts, b = [], n
    while b > 0:
        b = cut[b]
        starts.append(b)
    return sorted(starts)[1:]  # the first segment starts at 0, which is no change
