"""The statistics at scale: a benchmark of 300,000 samples is checked and compared in time
linear (or n log n) in its samples, with bounded memory. One of that size took 202 s in
`check` (the change-point search was quadratic) and 15 GB in `compare` (the bootstrap held
n_boot x n arrays). No timing assertion: these run at sizes the old code could not finish, and
assert on the work done (chunk sizes, peak memory), and on the answers (the same as before)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from mlxguard.check.regimes import regimes
from mlxguard.results import Metric
from mlxguard.stats import (
    BOOT_CHUNK_VALUES,
    Arm,
    _two_level_medians,
    boot_chunk,
    change_point,
    group_indices,
    median_ci,
    ratio_ci,
)


def _reference_medians(clusters, n_boot, rng):
    """The bootstrap as it was written first (one n_boot x k x width draw): the oracle."""
    k = len(clusters)
    sizes = np.array([c.size for c in clusters])
    padded = np.full((k, int(sizes.max())), np.nan)
    for i, c in enumerate(clusters):
        padded[i, : c.size] = c
    pick = rng.integers(0, k, size=(n_boot, k))
    chosen = sizes[pick]
    u = rng.random((n_boot, k, padded.shape[1]))
    within = np.minimum((u * chosen[..., None]).astype(np.int64), padded.shape[1] - 1)
    values = padded[pick[..., None], within]
    values[np.arange(padded.shape[1]) >= chosen[..., None]] = np.nan
    return np.nanmedian(values.reshape(n_boot, -1), axis=1)


def _shapes():
    g = np.random.default_rng(3)
    return {
        "samples": [np.array([x]) for x in g.normal(10, 1, 25)],
        "tied samples": [np.array([x]) for x in g.integers(0, 5, 30).astype(float)],
        "equal clusters": [g.normal(10, 1, 5) for _ in range(4)],
        "unequal clusters": [g.normal(10, 1, s) for s in (1, 3, 7, 2)],
        "tied clusters": [np.round(g.normal(10, 1, s), 1) for s in (4, 4, 5)],
        "one cluster": [g.normal(10, 1, 6)],
    }


@pytest.mark.parametrize("shape", list(_shapes()))
@pytest.mark.parametrize("n_boot", [100, 2001])
def test_the_bootstrap_gives_the_same_replicates_as_before(shape: str, n_boot: int) -> None:
    clusters = _shapes()[shape]
    expected = _reference_medians(clusters, n_boot, np.random.default_rng(7))
    got = _two_level_medians(clusters, n_boot, np.random.default_rng(7))
    assert np.array_equal(got, expected)


def test_bootstrap_chunks_bound_the_values_drawn_at_once() -> None:
    assert boot_chunk(2000, 25) == 2000  # small inputs: one draw, as before
    for per_replicate in (300_000, 600_000, 5_000_000):
        step = boot_chunk(2000, per_replicate)
        assert step >= 1 and (step == 1 or step * per_replicate <= BOOT_CHUNK_VALUES)


def test_a_bootstrap_of_100k_samples_stays_within_bounded_memory() -> None:
    """The old draw of 1000 x 100,000 doubles was 800 MB per array, several at once (2.4 GB
    each at 300,000 samples)."""
    x = np.random.default_rng(0).lognormal(4, 0.05, 100_000)
    tracemalloc.start()
    try:
        lo, hi = median_ci(x.tolist(), n_boot=1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lo is not None and hi is not None and lo < float(np.median(x)) < hi
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_a_paired_comparison_of_20k_rounds_is_not_quadratic_in_rounds() -> None:
    """Grouping by round was a mask per round (rounds x samples), and so was the search for
    each round's processes: 20,000 rounds of 4 samples were 6.4e9 steps."""
    n = 80_000
    g = np.random.default_rng(1)
    rounds, procs = (np.arange(n) // 4).tolist(), (np.arange(n) % 4).tolist()
    base = Arm(g.lognormal(4, 0.05, n).tolist(), procs, rounds)
    cand = Arm((1.1 * g.lognormal(4, 0.05, n)).tolist(), procs, rounds)
    ratio, lo, hi = ratio_ci(cand, base, n_boot=100)
    assert ratio is not None and lo is not None and hi is not None
    assert 1.09 < lo <= ratio <= hi < 1.11


def test_grouping_is_by_sorted_label_keeping_order_within() -> None:
    keys, members = group_indices([3, 1, 3, 2, 1])
    assert keys.tolist() == [1, 2, 3]
    assert [m.tolist() for m in members] == [[1, 4], [3], [0, 2]]


def _brute_change_point(values: list[float], min_segment: int = 4) -> float:
    """The least total absolute deviation over every split, computed split by split."""
    v = np.asarray(values)

    def cost(k: int) -> float:
        a, b = v[:k], v[k:]
        return float(np.abs(a - np.median(a)).sum() + np.abs(b - np.median(b)).sum())

    return min(cost(k) for k in range(min_segment, v.size - min_segment + 1))


@pytest.mark.parametrize("seed", range(40))
def test_the_change_point_is_the_split_of_least_deviation(seed: int) -> None:
    g = np.random.default_rng(seed)
    n = int(g.integers(8, 60))
    values = [
        g.normal(100, 5, n),
        np.r_[g.normal(100, 5, n // 2), g.normal(130, 5, n - n // 2)],
        g.integers(0, 4, n).astype(float),  # ties everywhere
        np.round(g.lognormal(3, 1, n), 1),
    ][seed % 4].tolist()
    split = change_point(values)
    assert split is not None
    a, b = np.asarray(values[: split.at]), np.asarray(values[split.at :])
    cost = float(np.abs(a - np.median(a)).sum() + np.abs(b - np.median(b)).sum())
    assert cost == pytest.approx(_brute_change_point(values), rel=1e-9, abs=1e-9)


def test_regimes_of_300k_samples_find_the_shift() -> None:
    """One process shifting two thirds of the way through 300,000 samples: 202 s before."""
    g = np.random.default_rng(2)
    n = 300_000
    values = np.r_[
        g.lognormal(np.log(500), 0.02, 200_000), g.lognormal(np.log(350), 0.02, n - 200_000)
    ]
    metric = Metric.of("decode_tps", values.tolist(), rounds=list(range(n)))
    [found] = regimes("decode_tps", metric)
    assert "shifted from 500" in found and "at round 200000 and stayed" in found


def test_regimes_of_a_process_label_per_sample_are_not_quadratic() -> None:
    """A crafted file can give every sample its own process: a mask per process was n^2."""
    n = 200_000
    values = np.random.default_rng(4).lognormal(4, 0.02, n).tolist()
    metric = Metric.of("decode_tps", values, processes=list(range(n)))
    assert regimes("decode_tps", metric) == []


@pytest.mark.parametrize(("nb", "nc"), [(1, 0), (3, 3), (10, 12), (500, 500), (1000, 1000)])
def test_the_rank_floor_is_exact_where_a_float_holds_it(nb: int, nc: int) -> None:
    import math

    from mlxguard.stats import _rank_floor

    try:
        exact = 1.0 / math.comb(nb + nc, nb)
    except OverflowError:
        exact = 0.0
    assert _rank_floor(nb, nc) == exact


def test_the_rank_floor_of_300k_units_is_not_counted_exactly() -> None:
    """C(600000, 300000) has 180,000 digits: computing it took seconds per comparison."""
    from mlxguard.stats import _rank_floor

    assert _rank_floor(300_000, 300_000) == 0.0 == _rank_floor(10**9, 10**9)
