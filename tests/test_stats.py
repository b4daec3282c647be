"""Tests for mlxguard.stats: checked against numpy on seeded random inputs, plus edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlxguard import stats

SIZES = [1, 2, 3, 4, 5, 7, 10, 11, 20, 33, 100, 257]


def _random_samples(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    if kind == 0:
        return rng.normal(50, 10, n)
    if kind == 1:
        return rng.lognormal(2, 0.5, n)
    return rng.integers(0, 5, n).astype(float)  # many ties


@pytest.mark.parametrize("n", SIZES)
def test_summarize_matches_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    for kind in range(3):
        for _ in range(5):
            x = _random_samples(rng, n, kind)
            s = stats.summarize(x.tolist())
            assert tuple(s) == stats.SUMMARY_FIELDS
            assert s["n"] == n and isinstance(s["n"], int)
            assert s["mean"] == pytest.approx(np.mean(x))
            assert s["median"] == pytest.approx(np.median(x))
            assert s["p50"] == s["median"]
            for q in (90, 95, 99):
                assert s[f"p{q}"] == pytest.approx(np.percentile(x, q))
            assert s["min"] == x.min() and s["max"] == x.max()
            if n >= 2:
                assert s["stddev"] == pytest.approx(np.std(x, ddof=1))
            else:
                assert s["stddev"] is None
            assert all(v is None or type(v) in (int, float) for v in s.values())


@pytest.mark.parametrize("n", SIZES)
def test_percentile_matches_numpy_linear(n: int) -> None:
    rng = np.random.default_rng(1000 + n)
    x = rng.lognormal(0, 1, n)
    for q in (0, 0.5, 1, 10, 25, 33.3, 50, 75, 90, 95, 99, 99.9, 100):
        assert stats.percentile(x, q) == pytest.approx(np.percentile(x, q, method="linear"))


def test_percentile_linear_interpolation_by_hand() -> None:
    # Hyndman & Fan type 7: position (n - 1) * q / 100 = 3 * 0.9 = 2.7 -> 3 + 0.7 * (4 - 3).
    assert stats.percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert stats.percentile([4, 1, 3, 2], 50) == 2.5


def test_percentile_edge_cases() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([7.5], 99) == 7.5
    for q in (-1, 100.5, float("nan")):
        with pytest.raises(ValueError, match="outside"):
            stats.percentile([1.0, 2.0], q)


def test_summarize_empty() -> None:
    s = stats.summarize([])
    assert s == {"n": 0, **{k: None for k in stats.SUMMARY_FIELDS[1:]}}


def test_summarize_single_value() -> None:
    s = stats.summarize([42.0])
    assert s["n"] == 1 and s["stddev"] is None
    for k in ("mean", "median", "p50", "p90", "p95", "p99", "min", "max"):
        assert s[k] == 42.0


def test_summarize_constant_and_ties() -> None:
    s = stats.summarize([3.0] * 6)
    assert s["stddev"] == 0.0 and s["p99"] == 3.0 and s["mean"] == 3.0
    s = stats.summarize([1, 1, 2, 2, 2, 9])
    assert s["median"] == 2.0 and s["min"] == 1.0 and s["max"] == 9.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_raises_naming_the_value(bad: float) -> None:
    with pytest.raises(ValueError, match=rf"sample 2 is {bad!r}"):
        stats.summarize([1.0, 2.0, bad, 3.0])
    for fn in (stats.mad, stats.modified_z_scores, stats.robust_spread):
        with pytest.raises(ValueError, match="finite"):
            fn([bad, 1.0])
    with pytest.raises(ValueError, match="finite"):
        stats.percentile([1.0, bad], 50)


def test_mad() -> None:
    assert stats.mad([]) is None
    assert stats.mad([5.0]) == 0.0
    # median 3, |x - 3| = 2 1 0 1 6 -> median 1
    assert stats.mad([1, 2, 3, 4, 9]) == 1.0
    rng = np.random.default_rng(3)
    for n in SIZES:
        x = rng.normal(0, 2, n)
        assert stats.mad(x) == pytest.approx(np.median(np.abs(x - np.median(x))))


def test_modified_z_scores_formula() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 9.0]
    z = stats.modified_z_scores(x)
    assert z is not None
    assert z == pytest.approx([0.6745 * (v - 3.0) / 1.0 for v in x])


def test_modified_z_scores_mad_zero_falls_back_to_mean_ad() -> None:
    x = [5.0, 5.0, 5.0, 5.0, 6.0]  # MAD 0: over half the values tie at the median
    assert stats.mad(x) == 0.0
    z = stats.modified_z_scores(x)
    mean_ad = np.mean(np.abs(np.array(x) - 5.0))  # 0.2
    assert z == pytest.approx([(v - 5.0) / (1.253314 * mean_ad) for v in x])
    assert all(math.isfinite(v) for v in z)


def test_modified_z_scores_undefined() -> None:
    assert stats.modified_z_scores([]) is None
    assert stats.modified_z_scores([4.0]) is None
    assert stats.modified_z_scores([4.0] * 10) is None


def test_outliers() -> None:
    x = [10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 30.0, 10.3]
    assert stats.outliers(x) == [6]
    assert stats.outliers(x, threshold=1000) == []
    assert stats.outliers([]) == []
    assert stats.outliers([3.0] * 5) == []  # no spread: nothing is an outlier
    assert stats.outliers([5.0, 5.0, 5.0, 5.0, 50.0]) == [4]  # found through the MAD = 0 guard


def test_outliers_rarely_flag_normal_data() -> None:
    rng = np.random.default_rng(11)
    flagged = sum(len(stats.outliers(rng.normal(0, 1, 50))) for _ in range(200))
    assert flagged / (200 * 50) < 0.005  # |M| > 3.5 is ~4.7 sigma for normal data


def test_robust_spread() -> None:
    assert stats.robust_spread([]) is None
    assert stats.robust_spread([1.0]) is None
    assert stats.robust_spread([-1.0, 0.0, 1.0]) is None  # median 0
    assert stats.robust_spread([2.0, 2.0]) == 0.0
    # median 10, MAD 1 -> 1.4826 / 10, whatever the outlier's size
    assert stats.robust_spread([9.0, 10.0, 11.0, 1000.0, 10.0]) == pytest.approx(0.14826)
