"""Load shapes: closed loops at fixed concurrency, open loops at fixed rates, and the sweep.

A closed loop keeps `concurrency` requests in flight: each sends its next request when the last
one ends. An open loop sends requests at planned times, whatever the server does: gaps are
drawn from a gamma distribution of mean `1 / rate` and shape `burstiness` (1: a Poisson process,
exponential gaps; below 1 burstier, above 1 more even), seeded, so head and base see the very
same arrivals. A sweep measures the synchronous point (one request at a time) and the maximum
throughput point first, then rates evenly between them, and reports the knee.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["concurrency", "rate"]


@dataclass(frozen=True)
class LoadPoint:
    """One load point.

    Attributes:
        kind: `concurrency` (closed loop) or `rate` (open loop).
        level: requests in flight (closed loop) or requests per second offered (open loop).
        burstiness: open loop: the gamma shape of the gaps (1: Poisson).
        max_concurrency: open loop: requests the client lets in flight at once (None: no
            limit); a request waiting for a slot is queued by the client (`queue_ms`).
    """

    kind: Kind
    level: float
    burstiness: float = 1.0
    max_concurrency: int | None = None

    @property
    def scenario(self) -> str:
        """The benchmark's scenario name: `concurrency-4`, `rate-2.5`."""
        return f"{self.kind}-{self.level:g}"

    @property
    def offered_rps(self) -> float | None:
        """The rate offered (open loop); None for a closed loop, whose rate is the server's."""
        return self.level if self.kind == "rate" else None


def arrival_offsets(rate: float, n: int, burstiness: float, seed: str) -> list[float]:
    """Seconds from the window's start at which each of `n` requests is sent (the first at 0).

    Raises:
        ValueError: a rate or burstiness that is not positive and finite.
    """
    if not (math.isfinite(rate) and rate > 0 and math.isfinite(burstiness) and burstiness > 0):
        raise ValueError(f"rate {rate!r} and burstiness {burstiness!r} must be positive")
    rng = random.Random(seed)
    scale = 1.0 / (rate * burstiness)  # mean gap = shape * scale = 1 / rate
    offsets, t = [], 0.0
    for _ in range(n):
        offsets.append(t)
        t += rng.gammavariate(burstiness, scale)
    return offsets


def sweep_rates(synchronous_rps: float, max_rps: float, count: int) -> list[float]:
    """`count` rates evenly spaced strictly between the synchronous and the maximum rate,
    rounded to 3 significant digits (they name scenarios); none when the maximum is not above
    the synchronous rate (the server does not batch: there is nothing in between)."""
    if count < 1 or not max_rps > synchronous_rps > 0:
        return []
    step = (max_rps - synchronous_rps) / (count + 1)
    return [float(f"{synchronous_rps + step * i:.3g}") for i in range(1, count + 1)]


@dataclass(frozen=True)
class CurvePoint:
    """What the knee is judged on, for one rate of a sweep.

    Attributes:
        offered_rps: the rate offered.
        saturated: the server fell behind the arrivals (in most of the point's windows).
        ttft_p90_ms: TTFT p90 of the point.
    """

    offered_rps: float
    saturated: bool
    ttft_p90_ms: float | None


def knee(points: Sequence[CurvePoint], synchronous_ttft_p90_ms: float, *, factor: float) -> int:
    """The index of the knee: the highest rate the server still keeps up with (not saturated)
    with TTFT p90 within `factor` times the synchronous point's; -1 when no rate qualifies."""
    best = -1
    for i, p in enumerate(points):
        fast = p.ttft_p90_ms is not None and p.ttft_p90_ms <= factor * synchronous_ttft_p90_ms
        if not p.saturated and fast and (best < 0 or p.offered_rps > points[best].offered_rps):
            best = i
    return best
