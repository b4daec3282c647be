"""Load shapes: seeded gamma arrivals, the sweep's rates and its knee."""

from __future__ import annotations

import itertools
import statistics

import pytest

from mlxguard.run.load.shapes import CurvePoint, LoadPoint, arrival_offsets, knee, sweep_rates


def test_arrivals_are_seeded_start_at_zero_and_keep_the_rate() -> None:
    a = arrival_offsets(4.0, 2000, 1.0, "s")
    assert a == arrival_offsets(4.0, 2000, 1.0, "s")
    assert a != arrival_offsets(4.0, 2000, 1.0, "other")
    assert a[0] == 0 and all(x < y for x, y in itertools.pairwise(a))
    assert (len(a) - 1) / a[-1] == pytest.approx(4.0, rel=0.1)


def test_burstiness_is_the_gamma_shape_poisson_at_one() -> None:
    def cv(burstiness: float) -> float:
        a = arrival_offsets(2.0, 4000, burstiness, "s")
        gaps = [y - x for x, y in itertools.pairwise(a)]
        return statistics.stdev(gaps) / statistics.mean(gaps)

    # The coefficient of variation of gamma gaps is 1 / sqrt(shape).
    assert cv(1.0) == pytest.approx(1.0, rel=0.1)
    assert cv(0.25) == pytest.approx(2.0, rel=0.15)
    assert cv(4.0) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("rate, burstiness", [(0, 1), (1, 0), (float("inf"), 1), (1, -1)])
def test_bad_rates_are_refused(rate: float, burstiness: float) -> None:
    with pytest.raises(ValueError):
        arrival_offsets(rate, 3, burstiness, "s")


def test_sweep_rates_lie_strictly_between_and_none_without_a_gain() -> None:
    assert sweep_rates(2.0, 10.0, 3) == [4.0, 6.0, 8.0]
    assert sweep_rates(2.0, 2.0, 3) == []  # a server that does not batch: nothing in between
    assert sweep_rates(3.0, 2.0, 3) == []


def test_the_knee_is_the_highest_rate_kept_up_with_and_fast() -> None:
    curve = [
        CurvePoint(2.0, False, 30.0),
        CurvePoint(4.0, False, 50.0),
        CurvePoint(6.0, True, 45.0),  # fell behind
        CurvePoint(8.0, False, 90.0),  # too slow: over 2x the synchronous TTFT p90
    ]
    assert knee(curve, 30.0, factor=2.0) == 1
    assert knee(curve, 10.0, factor=2.0) == -1


def test_scenario_names() -> None:
    assert LoadPoint("concurrency", 4).scenario == "concurrency-4"
    assert LoadPoint("rate", 2.5).scenario == "rate-2.5"
    assert LoadPoint("rate", 2.5).offered_rps == 2.5
    assert LoadPoint("concurrency", 4).offered_rps is None
