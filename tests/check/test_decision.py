"""Tests for mlxguard.check.decision on synthetic samples whose right answer is known.

Noise model: lognormal, ``median * exp(N(0, sigma))``; "20% noise" is sigma = 0.2, so identical
trials swing by about ±20% (one sigma) to ±40% (two sigmas).
"""

from __future__ import annotations

import numpy as np
import pytest

from mlxguard.check.decision import compare, naive_mean_rule
from mlxguard.stats import ratio_ci


def _pairs(n: int, sigma: float, shift: float, reps: int, seed: int, median: float = 100.0):
    """Yield ``reps`` (baseline, current) pairs; current's median is ``median * (1 + shift)``."""
    rng = np.random.default_rng(seed)
    for _ in range(reps):
        base = median * np.exp(rng.normal(0.0, sigma, n))
        cur = median * (1.0 + shift) * np.exp(rng.normal(0.0, sigma, n))
        yield base, cur


def _verdict_rates(n: int, sigma: float, shift: float, reps: int, seed: int = 0, **kw) -> dict:
    counts = {"pass": 0, "fail": 0, "inconclusive": 0}
    for i, (b, c) in enumerate(_pairs(n, sigma, shift, reps, seed)):
        counts[compare(b, c, seed=i, **kw).verdict] += 1
    return {k: v / reps for k, v in counts.items()}


# --- the two numbers the guard is built for ---------------------------------------------------


def test_aa_false_alarm_rate_is_at_most_one_percent() -> None:
    """200 A/A pairs, n=10 each, 20% lognormal noise: at most 1% fail."""
    rates = _verdict_rates(n=10, sigma=0.2, shift=0.0, reps=200, seed=1, direction="lower")
    assert rates["fail"] <= 0.01, rates


@pytest.mark.slow
def test_aa_false_alarm_rate_higher_is_better() -> None:
    rates = _verdict_rates(n=20, sigma=0.2, shift=0.0, reps=200, seed=2, direction="higher")
    assert rates["fail"] <= 0.01, rates


def test_naive_mean_rule_cries_wolf_where_compare_does_not() -> None:
    """The usual "mean worse by > 10%" rule on the same A/A pairs: many false alarms."""
    pairs = list(_pairs(10, 0.2, 0.0, 200, seed=1))
    naive = sum(naive_mean_rule(b, c, direction="lower") == "fail" for b, c in pairs) / 200
    ours = sum(compare(b, c, direction="lower", seed=i).verdict == "fail"
               for i, (b, c) in enumerate(pairs)) / 200  # fmt: skip
    assert naive >= 0.05 > 0.01 >= ours, (naive, ours)


@pytest.mark.slow
def test_detects_ten_percent_slowdown_n20_moderate_noise() -> None:
    """10% slower, n=20, 2% lognormal noise (trials within about ±5%): detected >= 95%."""
    rates = _verdict_rates(n=20, sigma=0.02, shift=0.10, reps=200, seed=3, direction="lower")
    assert rates["fail"] >= 0.95, rates


@pytest.mark.slow
def test_detects_ten_percent_slowdown_noisier_with_more_samples() -> None:
    """5% noise needs more samples to clear the 5% tolerance with confidence: n=80 does."""
    rates = _verdict_rates(n=80, sigma=0.05, shift=0.10, reps=100, seed=4, direction="lower")
    assert rates["fail"] >= 0.95, rates


def test_ten_percent_slowdown_hidden_by_noise_is_inconclusive_not_pass() -> None:
    """20% noise and n=20 cannot resolve 10%: the guard must say so, not pass it."""
    rates = _verdict_rates(n=20, sigma=0.2, shift=0.10, reps=100, seed=5, direction="lower")
    assert rates["pass"] <= 0.05, rates
    assert rates["fail"] + rates["inconclusive"] >= 0.95, rates


def _sequential_rates(sigma: float, shift: float, reps: int, seed: int) -> dict:
    """Adaptive sampling as `run --until-decisive` does it: 10, 20, ... 60 samples per side."""
    rng = np.random.default_rng(seed)
    counts = {"pass": 0, "fail": 0, "inconclusive": 0}
    for i in range(reps):
        base = 100 * np.exp(rng.normal(0, sigma, 60))
        cur = 100 * (1 - shift) * np.exp(rng.normal(0, sigma, 60))
        for n in range(10, 61, 10):
            r = compare(base[:n], cur[:n], direction="higher", seed=i, n_boot=500, interim=n < 60)
            if r.verdict in ("pass", "fail"):  # decisive: adaptive sampling stops
                break
        counts[r.verdict] += 1
    return {k: v / reps for k, v in counts.items()}


@pytest.mark.slow
def test_adaptive_sampling_keeps_false_alarms_rare_and_finds_ten_percent() -> None:
    assert _sequential_rates(0.1, 0.0, 200, seed=20)["fail"] <= 0.01
    assert _sequential_rates(0.05, 0.02, 100, seed=21)["fail"] == 0.0
    assert _sequential_rates(0.05, 0.10, 100, seed=22)["fail"] >= 0.95


def test_interim_look_spends_a_fifth_of_alpha() -> None:
    """Interval wholly beyond the tolerance, alpha / 5 < p < alpha: fail only at the end."""
    for seed in range(200):
        (b, c), *_ = _pairs(30, 0.04, 0.12, 1, seed=seed)
        final = compare(b, c, direction="lower")
        if final.verdict == "fail" and 0.002 < final.p_value < 0.01:
            break
    else:
        pytest.fail("no sample with a p-value between alpha / 5 and alpha")
    interim = compare(b, c, direction="lower", interim=True)
    assert (interim.verdict, interim.note) == ("inconclusive", "possible regression")
    assert "≥ 0.002" in interim.reason


# --- known answers -----------------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [0.005, 0.02, 0.05])
def test_two_percent_shift_never_fails_at_moderate_noise(sigma: float) -> None:
    rates = _verdict_rates(n=20, sigma=sigma, shift=0.02, reps=60, seed=6, direction="lower")
    assert rates["fail"] == 0.0, rates


@pytest.mark.slow
def test_two_percent_shift_at_high_noise_fails_no_more_than_a_false_alarm() -> None:
    """At 20% noise a 2% shift is invisible: it may fail only as often as an A/A pair does."""
    rates = _verdict_rates(n=20, sigma=0.2, shift=0.02, reps=300, seed=6, direction="lower")
    assert rates["fail"] <= 0.02, rates


def test_small_significant_shift_passes_within_tolerance() -> None:
    (b, c), *_ = _pairs(30, 0.005, 0.02, 1, seed=7)
    r = compare(b, c, direction="lower")
    assert r.verdict == "pass" and r.note == "within tolerance", r
    assert 0.0 < r.worse_by < 0.05 and r.ci_low > 1.0


def test_clear_regression_fields_and_reason() -> None:
    (b, c), *_ = _pairs(20, 0.02, 0.15, 1, seed=8, median=12.3)
    r = compare(b, c, direction="lower", unit="ms")
    assert r.verdict == "fail" and r.note == "regressed" and r.significant
    assert r.ci_low is not None and r.ci_high is not None and r.p_value is not None
    assert 1.05 < r.ci_low <= r.ratio <= r.ci_high
    assert r.change == pytest.approx(r.ratio - 1) and r.worse_by == pytest.approx(r.change)
    assert r.p_value < 0.01 and (r.n_baseline, r.n_current) == (20, 20)
    assert r.ratio == pytest.approx(np.median(c) / np.median(b))
    assert r.method == "samples, 20+20" and r.detectable is not None and r.detectable > 0.05
    for piece in ("median 12", "ms", "×", "95% CI", "p=", "< 0.01", "beyond the 5% tolerance",
                  "samples, 20+20", "detects changes ≥", "treated as independent"):  # fmt: skip
        assert piece in r.reason, r.reason


@pytest.mark.slow
def test_heavy_tailed_outliers_in_current_only_do_not_fail() -> None:
    """2 huge stalls in 20 current samples: a false alarm no more often than alpha."""
    rng = np.random.default_rng(9)
    fails = naive = 0
    for i in range(300):
        b = 100 * np.exp(rng.normal(0, 0.05, 20))
        c = 100 * np.exp(rng.normal(0, 0.05, 20))
        c[rng.choice(20, size=2, replace=False)] *= rng.uniform(5, 50, 2)  # 2 huge stalls
        fails += compare(b, c, direction="lower", seed=i).verdict == "fail"
        naive += naive_mean_rule(b, c, direction="lower") == "fail"
    # The rate is about alpha (1%); 300 draws put 6 (2%) within two standard errors of it.
    assert fails <= 6, fails
    assert naive == 300  # the mean is fooled every time


@pytest.mark.slow
def test_heavy_tailed_noise_on_both_sides_does_not_fail() -> None:
    """Pareto-tailed A/A samples (stalls anywhere): no more than 1% false alarms."""
    rng = np.random.default_rng(19)
    fails = sum(
        compare(100 + rng.pareto(1.5, 30) * 10, 100 + rng.pareto(1.5, 30) * 10,
                direction="lower", seed=i).verdict == "fail"
        for i in range(300)
    )  # fmt: skip
    assert fails <= 6, fails  # about alpha (1%), within two standard errors over 300 draws


@pytest.mark.parametrize(("nb", "nc"), [(1, 1), (1, 20), (20, 2), (0, 0), (0, 5)])
def test_too_few_samples_is_inconclusive(nb: int, nc: int) -> None:
    r = compare([10.0] * nb, [20.0] * nc, direction="lower")
    assert (r.verdict, r.note) == ("inconclusive", "not enough samples")
    assert r.ratio is None and r.p_value is None and r.verdict == "inconclusive"
    assert (r.n_baseline, r.n_current) == (nb, nc)
    assert r.reason == f"{nb} baseline and {nc} current samples; need at least 3 each"


def test_the_sides_are_named_as_they_are() -> None:
    r = compare([10.0] * 2, [20.0] * 2, direction="lower", sides=("reference", "candidate"))
    assert r.reason == "2 reference and 2 candidate samples; need at least 3 each"
    zero = compare([0.0] * 5, [1.0] * 5, direction="lower", sides=("reference", "candidate"))
    assert "the reference median must be > 0" in zero.reason


def test_higher_is_better_drop_fails() -> None:
    """tok/s 10% lower is a regression for a "higher" metric."""
    (b, c), *_ = _pairs(20, 0.02, -0.10, 1, seed=10, median=45.0)
    r = compare(b, c, direction="higher", unit="tok/s")
    assert r.verdict == "fail" and r.note == "regressed", r.reason
    assert r.change == pytest.approx(-0.10, abs=0.03)
    assert r.worse_by == pytest.approx(-r.change) and r.worse_by > 0.05
    # The same samples, read as "lower is better", are a clear improvement.
    r_low = compare(b, c, direction="lower")
    assert (r_low.verdict, r_low.note) == ("pass", "improved")


def test_higher_is_better_gain_is_improved() -> None:
    (b, c), *_ = _pairs(20, 0.02, 0.10, 1, seed=11)
    r = compare(b, c, direction="higher")
    assert (r.verdict, r.note) == ("pass", "improved") and r.worse_by < 0


def test_lower_is_better_speedup_is_improved() -> None:
    (b, c), *_ = _pairs(20, 0.05, -0.20, 1, seed=12)
    r = compare(b, c, direction="lower")
    assert (r.verdict, r.note) == ("pass", "improved"), r.reason
    assert "better" in r.reason


def test_aa_low_noise_passes_no_significant_change() -> None:
    (b, c), *_ = _pairs(20, 0.01, 0.0, 1, seed=13)
    r = compare(b, c, direction="lower")
    assert (r.verdict, r.note) == ("pass", "no significant change"), r.reason


def test_aa_high_noise_small_n_is_too_noisy_to_tell() -> None:
    (b, c), *_ = _pairs(5, 0.3, 0.0, 1, seed=14)
    r = compare(b, c, direction="lower")
    assert r.verdict == "inconclusive" and r.note in ("too noisy to tell", "possible regression")
    assert "collect more samples" in r.reason and r.verdict == "inconclusive"


def test_constant_samples() -> None:
    same = compare([10.0] * 5, [10.0] * 5, direction="lower")
    assert (same.verdict, same.note, same.ratio) == ("pass", "no significant change", 1.0)
    assert (same.ci_low, same.ci_high, same.p_value) == (1.0, 1.0, 1.0)
    assert same.detectable == pytest.approx(0.05)  # no noise: only the tolerance hides a change
    worse = compare([10.0] * 10, [12.0] * 10, direction="lower")
    assert (worse.verdict, worse.ratio) == ("fail", 1.2)


def test_zero_baseline_median_is_inconclusive() -> None:
    r = compare([0.0, 0.0, 0.0, 1.0], [1.0, 2.0, 3.0], direction="lower")
    assert (r.verdict, r.note, r.ratio) == ("inconclusive", "ratio undefined", None)


def test_deterministic_given_seed() -> None:
    (b, c), *_ = _pairs(15, 0.1, 0.05, 1, seed=15)
    first = compare(b, c, direction="lower", seed=42)
    assert compare(list(b), list(c), direction="lower", seed=42) == first
    other = compare(b, c, direction="lower", seed=43)
    assert other.ratio == first.ratio  # no randomness there
    assert (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)  # the bootstrap's


def test_confidence_widens_interval() -> None:
    (b, c), *_ = _pairs(30, 0.1, 0.0, 1, seed=16)
    narrow = compare(b, c, direction="lower", confidence=0.80)
    wide = compare(b, c, direction="lower", confidence=0.99)
    assert wide.ci_low <= narrow.ci_low and wide.ci_high >= narrow.ci_high
    assert "99% CI" in wide.reason


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"direction": "down"}, "direction 'down'"),
        ({"direction": "lower", "tolerance": -0.1}, "tolerance"),
        ({"direction": "lower", "alpha": 1.5}, "alpha"),
        ({"direction": "lower", "confidence": 95}, "confidence"),
        ({"direction": "lower", "n_boot": 10}, "n_boot"),
        ({"direction": "lower", "min_samples": 0}, "min_samples"),
    ],
)
def test_bad_parameters_raise(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], **kwargs)


def test_non_finite_samples_raise() -> None:
    with pytest.raises(ValueError, match=r"current sample 1 is nan"):
        compare([1.0, 2.0, 3.0], [1.0, float("nan"), 3.0], direction="lower")
    with pytest.raises(ValueError, match=r"baseline sample 0 is inf"):
        compare([float("inf"), 2.0, 3.0], [1.0, 2.0, 3.0], direction="lower")


# --- helpers -------------------------------------------------------------------------------------


def test_ratio_ci() -> None:
    rng = np.random.default_rng(17)
    ref = 100 * np.exp(rng.normal(0, 0.05, 40))
    cand = 1.2 * 100 * np.exp(rng.normal(0, 0.05, 40))
    ratio, lo, hi = ratio_ci(cand, ref)
    assert ratio == pytest.approx(np.median(cand) / np.median(ref))
    assert lo < ratio < hi and lo < 1.2 < hi
    assert ratio_ci(cand, ref, seed=5) == ratio_ci(cand, ref, seed=5)
    assert ratio_ci([], ref) == (None, None, None)
    assert ratio_ci(cand, [0.0, 0.0, 1.0]) == (None, None, None)


def test_naive_mean_rule() -> None:
    assert naive_mean_rule([10, 10], [11.5, 11.5], direction="lower") == "fail"
    assert naive_mean_rule([10, 10], [10.5, 10.5], direction="lower") == "pass"
    assert naive_mean_rule([10, 10], [8.5, 8.5], direction="higher") == "fail"
    assert naive_mean_rule([10, 10], [11.5], direction="higher") == "pass"
    assert naive_mean_rule([10], [10.6], direction="lower", threshold=0.05) == "fail"
    with pytest.raises(ValueError, match="at least one"):
        naive_mean_rule([], [1.0], direction="lower")
    with pytest.raises(ValueError, match="direction"):
        naive_mean_rule([1.0], [1.0], direction="sideways")


def test_many_samples_do_not_overflow() -> None:
    # 1,000 IPC messages a side: the smallest rank-test p (1 / C(2000, 1000)) underflows to 0.
    base = [1.0 + (i % 10) / 100 for i in range(1000)]
    within = compare(base, [x * 1.01 for x in base], direction="lower", n_boot=200)
    assert (within.verdict, within.note) == ("pass", "within tolerance"), within.reason
    slower = compare(base, [x * 1.10 for x in base], direction="lower", n_boot=200)
    assert (slower.verdict, slower.significant) == ("fail", True), slower.reason
    assert slower.p_value is not None and 0 < slower.p_value < 0.05
