"""The process-level rule on clustered synthetic data whose right answer is known.

Each arm runs in worker processes; a process has its own level (placement on cores, clocks),
samples within it are tight. A per-sample test reads the difference of process levels as a
change; the rule resamples processes first, so it does not.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from mlxguard.check.decision import Arm, compare
from mlxguard.stats import effective_units, ratio_ci


def _arm(rng: np.random.Generator, shift: float, processes: int, per: int, between: float,
         within: float = 0.01) -> Arm:  # fmt: skip
    """``processes`` x ``per`` samples; process levels lognormal(0, between); rounds 0..per-1."""
    levels = rng.normal(0.0, between, processes)
    samples, procs, rounds = [], [], []
    for p in range(processes):
        for r in range(per):
            samples.append(100.0 * (1 + shift) * np.exp(levels[p] + rng.normal(0.0, within)))
            procs.append(p)
            rounds.append(p * per + r)
    return Arm(samples, procs, rounds)


def _unpaired(arm: Arm) -> Arm:
    """The same samples with rounds of their own, so the pairing cannot be used."""
    return Arm(arm.samples, arm.processes, [1000 + r for r in arm.rounds or []])


@pytest.mark.slow
def test_clustered_aa_fails_per_sample_but_not_at_the_process_level() -> None:
    rng = np.random.default_rng(0)
    per_sample_mw = per_sample_boot = ours = 0
    reps = 60
    for i in range(reps):
        base = _arm(rng, 0.0, processes=4, per=10, between=0.08)
        cur = _unpaired(_arm(rng, 0.0, processes=4, per=10, between=0.08))
        mw = sps.mannwhitneyu(cur.samples, base.samples, alternative="greater").pvalue
        worse = np.median(cur.samples) / np.median(base.samples) - 1
        per_sample_mw += mw < 0.01 and worse > 0.05
        flat = compare(list(base.samples), list(cur.samples), direction="lower", seed=i)
        per_sample_boot += flat.verdict == "fail"
        r = compare(base, cur, direction="lower", seed=i, n_boot=1000)
        assert r.method == "hierarchical, 4+4 processes"
        ours += r.verdict == "fail"
    assert per_sample_mw >= 0.15 * reps and per_sample_boot >= 0.1 * reps
    assert ours == 0


def test_detects_a_real_ten_percent_shift_across_processes() -> None:
    rng = np.random.default_rng(1)
    fails = 0
    for i in range(30):
        base = _arm(rng, 0.0, processes=8, per=10, between=0.01)
        cur = _unpaired(_arm(rng, 0.10, processes=8, per=10, between=0.01))
        r = compare(base, cur, direction="lower", seed=i, n_boot=1000)
        fails += r.verdict == "fail"
    assert fails >= 27


def test_the_unit_is_the_process_not_the_sample() -> None:
    """More samples per process do not narrow the interval: only more processes do."""
    rng = np.random.default_rng(2)

    def width(processes: int, per: int) -> float:
        widths = []
        for i in range(20):
            base = _arm(rng, 0.0, processes, per, between=0.05)
            cur = _unpaired(_arm(rng, 0.0, processes, per, between=0.05))
            _, lo, hi = ratio_ci(cur, base, seed=i, n_boot=500)
            widths.append(np.log(hi / lo))
        return float(np.median(widths))

    few = width(4, 10)
    assert width(4, 80) > 0.7 * few  # 8x the samples, same processes: hardly narrower
    assert width(16, 10) < 0.6 * few  # 4x the processes: much narrower


def test_paired_rounds_cancel_drift_shared_by_both_arms() -> None:
    """Both arms flip between fast and slow rounds together (issue of GPU regimes): paired."""
    rng = np.random.default_rng(3)
    regime = np.where(rng.random(20) < 0.5, 1.0, 0.65)  # ~500 vs ~320 tok/s
    rounds = list(range(20))
    base = Arm(list(500 * regime * np.exp(rng.normal(0, 0.02, 20))), rounds=rounds)
    cur = Arm(list(500 * regime * np.exp(rng.normal(0, 0.02, 20))), rounds=rounds)
    r = compare(base, cur, direction="higher")
    assert r.method == "paired by round, 20 rounds"
    assert r.verdict == "pass" and r.ci_high / r.ci_low < 1.06, r.reason
    assert "paired by round, 20 rounds" in r.reason and "one process" in r.reason
    flat = compare(list(base.samples), list(cur.samples), direction="higher")
    assert flat.ci_high / flat.ci_low > 1.2  # unpaired, the regimes swamp the interval
    slower = Arm([x * 0.85 for x in cur.samples], rounds=rounds)
    assert compare(base, slower, direction="higher").verdict == "fail"


def test_paired_rounds_clustered_by_process_pair() -> None:
    rng = np.random.default_rng(4)
    rounds = list(range(24))
    procs = [r % 4 for r in rounds]
    base = Arm(list(100 * np.exp(rng.normal(0, 0.02, 24))), procs, rounds)
    cur = Arm(list(100 * np.exp(rng.normal(0, 0.02, 24))), procs, rounds)
    r = compare(base, cur, direction="lower")
    assert r.method == "paired by round, 24 rounds in 4 process pairs"
    assert "one process" not in r.reason


def test_one_process_degrades_to_rounds_then_samples_and_says_so() -> None:
    rng = np.random.default_rng(5)
    x, y = list(100 * np.exp(rng.normal(0, 0.05, 12))), list(100 * np.exp(rng.normal(0, 0.05, 12)))
    by_round = compare(Arm(x, [0] * 12, list(range(12))), Arm(y, [0] * 12, list(range(100, 112))),
                       direction="lower")  # fmt: skip
    assert by_round.method == "rounds as clusters, 12+12 rounds"
    assert "one process: a shift of the whole process cannot be told" in by_round.reason
    flat = compare(x, y, direction="lower")
    assert flat.method == "samples, 12+12" and "treated as independent" in flat.reason
    old_file = compare(Arm(x, [None] * 12, [None] * 12), Arm(y), direction="lower")
    assert old_file.method == "samples, 12+12"


def test_few_processes_widen_the_interval_honestly() -> None:
    """Two processes a side cannot show a process-level spread: the interval says so."""
    rng = np.random.default_rng(6)
    base = _arm(rng, 0.0, processes=2, per=20, between=0.05)
    cur = _unpaired(_arm(rng, 0.0, processes=2, per=20, between=0.05))
    r = compare(base, cur, direction="lower")
    assert r.verdict == "inconclusive" and r.detectable is not None and r.detectable > 0.25


def test_labels_must_be_parallel_to_samples() -> None:
    with pytest.raises(ValueError, match="processes has 2 entries for 3 samples"):
        compare(Arm([1.0, 2.0, 3.0], [0, 1]), [1.0, 2.0, 3.0], direction="lower")


def test_detectable_change_shrinks_with_evidence() -> None:
    rng = np.random.default_rng(7)
    small = compare(list(rng.lognormal(0, 0.1, 10)), list(rng.lognormal(0, 0.1, 10)),
                    direction="higher")  # fmt: skip
    large = compare(list(rng.lognormal(0, 0.1, 200)), list(rng.lognormal(0, 0.1, 200)),
                    direction="higher")  # fmt: skip
    assert small.detectable is not None and large.detectable is not None
    assert 0.05 < large.detectable < small.detectable


def test_effective_units_between_clusters_and_values() -> None:
    rng = np.random.default_rng(9)
    alike = [100 * np.exp(rng.normal(0, 0.05, 10)) for _ in range(4)]  # processes do not differ
    apart = [100 * np.exp(rng.normal(level, 0.01, 10)) for level in (-0.2, 0.0, 0.1, 0.3)]
    assert effective_units(alike) > 25  # close to the 40 values
    assert effective_units(apart) < 4.5  # about the 4 processes
    assert effective_units([np.array([1.0]), np.array([2.0])]) is None  # no clusters


def test_processes_that_do_not_differ_cost_little_power() -> None:
    """Paired rounds in 4 process pairs that do not differ: the rounds count, a 10% slowdown
    with 2% noise over 24 rounds is a fail."""
    rng = np.random.default_rng(10)
    rounds, procs = list(range(24)), [r % 4 for r in range(24)]
    base = Arm(list(100 * np.exp(rng.normal(0, 0.02, 24))), procs, rounds)
    cur = Arm(list(90 * np.exp(rng.normal(0, 0.02, 24))), procs, rounds)
    r = compare(base, cur, direction="higher")
    assert r.verdict == "fail" and r.method == "paired by round, 24 rounds in 4 process pairs"
