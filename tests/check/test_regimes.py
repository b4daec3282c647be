"""Regime warnings on synthetic samples with a known shape."""

from __future__ import annotations

import numpy as np
from factories import benchmark, results

from mlxguard.check.regimes import regime_warnings, regimes
from mlxguard.config import CheckSettings
from mlxguard.results import Metric
from mlxguard.stats import change_point, two_groups


def _noise(n: int, level: float, seed: int) -> list[float]:
    return list(level * np.exp(np.random.default_rng(seed).normal(0, 0.02, n)))


def test_change_point_and_two_groups_find_the_known_split() -> None:
    x = _noise(9, 520, 0) + _noise(11, 355, 1)
    cp = change_point(x)
    assert cp is not None and cp.at == 9 and cp.separation > 10
    assert abs(cp.first - 520) < 15 and abs(cp.second - 355) < 15
    g = two_groups(x)
    assert g is not None and g.at == 11
    assert change_point(x[:7]) is None and two_groups(x[:9]) is None


def test_a_worker_that_shifts_half_way_is_named_with_its_round() -> None:
    """The shape seen on a GPU: 9 samples at ~520 tok/s, then 11 at ~355, in one process."""
    samples = _noise(9, 520, 0) + _noise(11, 355, 1)
    m = Metric.of("decode_tps", samples, processes=[0] * 20, rounds=list(range(20)))
    [reason] = regimes("decode_tps", m)
    assert reason.startswith("decode_tps: shifted from 5") and reason.endswith(
        "at round 9 and stayed"
    )


def test_a_slow_process_is_named() -> None:
    samples = _noise(10, 500, 2) + _noise(10, 400, 3) + _noise(10, 505, 4)
    m = Metric.of("decode_tps", samples, processes=[0] * 10 + [1] * 10 + [2] * 10,
                  rounds=list(range(30)))  # fmt: skip
    reasons = regimes("decode_tps", m)
    assert reasons[0].startswith("decode_tps: process 1 at 39") and "process 2 at 50" in reasons[0]


def test_two_groups_without_order_or_processes() -> None:
    fast, slow = _noise(10, 520, 6), _noise(10, 355, 7)
    samples = [x for pair in zip(fast, slow, strict=True) for x in pair]  # alternating
    [reason] = regimes("decode_tps", Metric.of("decode_tps", samples))
    assert reason.startswith("decode_tps: two groups, around 3") and "(10 samples)" in reason


def test_one_regime_with_noise_and_a_stall_is_quiet() -> None:
    rng = np.random.default_rng(8)
    samples = list(500 * np.exp(rng.normal(0, 0.08, 30)))
    samples[12] = 90.0  # one stalled sample is an outlier, not a regime
    m = Metric.of("decode_tps", samples, processes=[i % 3 for i in range(30)],
                  rounds=list(range(30)))  # fmt: skip
    assert regimes("decode_tps", m) == []


def test_regime_warning_names_the_benchmark_and_what_helps() -> None:
    b = benchmark("throughput", "short-stream", "mlx-lm", "tiny",
                  decode_tps=_noise(9, 520, 0) + _noise(11, 355, 1))  # fmt: skip
    [w] = regime_warnings(results(b), CheckSettings())
    assert w.startswith("samples in regimes in 1 benchmark — throughput short-stream")
    assert "short-stream · mlx-lm (decode_tps: shifted from" in w
    assert "--processes" in w and "--cooldown" in w
