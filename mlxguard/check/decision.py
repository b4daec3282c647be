"""The decision rule: is one arm worse than the other by more than a tolerance?

One rule for every same-job comparison: head against base, candidate engine against reference
engine, and the ad hoc ``mlxguard compare A.json B.json``. (Stored baselines, compared across
runs, are judged on run medians instead: ``check/baseline.py``.)

Evidence has levels (DESIGN.md, "How evidence is gathered"): samples come from worker
processes, processes from rounds of one run. Samples of one process are not independent draws,
so the uncertainty is estimated at the level that varies (Kalibera & Jones, "Rigorous
Benchmarking in Reasonable Time", ISMM 2013, section 4: resample the top level, then within it):

* **paired by round**, when both arms were measured in the same rounds (same ``rounds``
  values, at least ``MIN_PAIRED_ROUNDS``): the ratio of the arms' medians within each round
  (both saw the machine as it was at that moment), summarized by the median of those per-round
  ratios; the interval resamples rounds (clustered by the pair of processes that served them,
  when that is known, then rounds within each cluster).
* **hierarchical**: ``ratio = median(current) / median(baseline)``; each replicate resamples an
  arm's processes with replacement, then samples within each chosen process. With one process,
  rounds are the clusters; with neither, samples are resampled as if independent, and the
  evidence says what that cannot see.

Interval: percentile bootstrap (Efron & Tibshirani 1993, ch. 13), ``n_boot`` replicates, seeded.
``worse_by`` maps the ratio onto "how much worse" (``ratio - 1`` for lower-is-better metrics,
``1 - ratio`` for higher-is-better ones); ``[worse_lo, worse_hi]`` is the interval on that axis.

Decision, with ``tolerance`` (default 5%) and ``alpha`` (default 0.01):

* ``pass`` when the whole interval is inside the tolerance band (``worse_hi <= tolerance``);
* ``fail`` when the whole interval is beyond it (``worse_lo > tolerance``) and the bootstrap
  p-value of "worse by no more than the tolerance" is below ``alpha`` (below
  ``alpha * INTERIM_ALPHA_SHARE`` at an interim look of adaptive sampling);
* ``inconclusive`` otherwise: the interval straddles the tolerance; more rounds can settle it.

``p_value`` is the share of replicates on the acceptable side of the tolerance,
``(1 + #{worse_b <= tolerance}) / (n_boot + 1)`` (Davison & Hinkley 1997, eq. 4.11): the
one-sided test that the interval's lower end is beyond the tolerance, never below what an exact
rank test on the same top-level units could reach (``1 / C(m + n, m)`` for ``m + n`` processes or
samples, Mann–Whitney's smallest one-sided p; ``2^-k`` for ``k`` paired rounds, the sign test's):
with 3 samples a side no resampling can show p < 0.05. It feeds the family-wise
correction over all verdicts of one check (``check/family.py``).

``detectable``: the smallest worsening this comparison would fail with 80% probability at its
alpha and sample size, from the interval's width (``se = log(hi / lo) / (2 z)``):
``tolerance`` widened by ``(z_{1-alpha} + z_{0.8}) * se`` on the log scale.

Pure: imports only the standard library, numpy and scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from mlxguard.stats import (
    Arm,
    Labelled,
    check_bootstrap_params,
    estimate,
    finite_array,
    interval,
    widened,
)

if TYPE_CHECKING:
    from mlxguard.check.verdicts import Decided

__all__ = [
    "DIRECTIONS",
    "INTERIM_ALPHA_SHARE",
    "Arm",
    "Comparison",
    "compare",
    "detectable_change",
    "fmt_number",
    "fmt_p",
    "fmt_pct",
    "naive_mean_rule",
]

DIRECTIONS = ("lower", "higher")
# Power at which `detectable` is stated: found 4 times in 5.
POWER = 0.8
# Share of alpha an interim look may spend: every look of adaptive sampling is another chance of
# a false alarm. Pocock (1977, Biometrika 64:191) gives a nominal 0.0106 per look for 10 looks at
# an overall 0.05, about a fifth. What the default schedule's 16 looks cost with it (a build at
# the tolerance FAILed 2.2% of the time at alpha 0.01): scripts/bench_detection.py edge.
INTERIM_ALPHA_SHARE = 0.2


@dataclass(frozen=True)
class Comparison:
    """The verdict on one metric, current against baseline, with its evidence.

    Attributes:
        ratio: current / baseline (ratio of medians, or median of per-round ratios when paired).
        ci_low: lower end of the bootstrap confidence interval of ``ratio``.
        ci_high: upper end of that interval.
        p_value: bootstrap p-value of "worse by no more than the tolerance" (small: regression).
        change: ``ratio - 1``, plainly (positive = current is larger).
        worse_by: fraction by which current is worse (positive = regression), direction-aware.
        significant: ``p_value < alpha`` (the level of this look).
        verdict: "pass", "fail" or "inconclusive".
        note: a short label: "regressed", "improved", "within tolerance", "no significant change",
            "possible regression", "too noisy to tell", "not enough samples", "ratio undefined".
        reason: one sentence with the evidence, naming the method.
        n_baseline: number of baseline samples.
        n_current: number of current samples.
        method: how the interval was built, e.g. "paired by round, 12 rounds".
        detectable: smallest worsening (fraction) failed with 80% probability; None if unknown.
        caveat: what the method cannot see (one process, no rounds), or "".
    """

    verdict: Decided
    note: str
    reason: str
    n_baseline: int
    n_current: int
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    change: float | None = None
    worse_by: float | None = None
    significant: bool = False
    method: str = ""
    detectable: float | None = field(default=None)
    caveat: str = ""


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not one of 'lower', 'higher'")


def detectable_change(
    se_log: float, *, tolerance: float, alpha: float, direction: str, power: float = POWER
) -> float:
    """The worsening (fraction) a test with log-scale standard error ``se_log`` fails at ``power``.

    The lower end of a one-sided ``1 - alpha`` bound must clear the tolerance: the true change
    must exceed it by ``(z_{1-alpha} + z_{power}) * se`` on the log scale.
    """
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    if direction == "lower":
        return math.exp(math.log1p(tolerance) + z * se_log) - 1.0
    return 1.0 - math.exp(math.log1p(-tolerance) - z * se_log)


def fmt_number(x: float) -> str:
    """A compact number for sentences: 3 significant digits, no exponent below 1e6."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 100:
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.1f}"
    return f"{x:.3g}"


def fmt_p(p: float, level: float | None = None) -> str:
    """A p-value with 2 significant digits, more where fewer would misstate its comparison
    with ``level``: 0.00996 is "0.00996 < 0.01", never "0.01 < 0.01"."""
    for digits in range(2, 7):
        text = f"{p:.{digits}g}"
        if level is None or (float(text) < level) == (p < level):
            return text
    return repr(p)


def fmt_pct(x: float) -> str:
    """A fraction as a percentage with 3 significant digits: 0.0512 -> "5.12%"."""
    return f"{x * 100:.3g}%"


def compare(
    baseline: Arm | Labelled | Sequence[float],
    current: Arm | Labelled | Sequence[float],
    *,
    direction: str,
    tolerance: float = 0.05,
    alpha: float = 0.01,
    confidence: float = 0.95,
    min_samples: int = 3,
    n_boot: int = 2000,
    seed: int = 0,
    unit: str = "",
    interim: bool = False,
    sides: tuple[str, str] = ("baseline", "current"),
) -> Comparison:
    """Decide whether ``current`` is worse than ``baseline`` beyond ``tolerance`` (module doc).

    Args:
        baseline: the side compared with: samples, or an ``Arm`` / results ``Metric`` with the
            process and round of each sample.
        current: the side under test, likewise.
        direction: "lower" (times, memory) or "higher" (tokens per second) is better.
        tolerance: largest worsening that is not a regression, as a fraction (0.05 = 5%).
        alpha: level of the one-sided test behind a fail (before the family-wise correction).
        confidence: two-sided confidence level of the bootstrap interval of the ratio.
        min_samples: fewer samples than this on either side gives "inconclusive".
        n_boot: bootstrap resamples.
        seed: seed of the bootstrap; the result is deterministic given it.
        unit: unit shown after the medians in ``reason`` (e.g. "ms").
        interim: an interim look of adaptive sampling (more rounds may follow): a fail then
            needs ``p < alpha * INTERIM_ALPHA_SHARE``.
        sides: what the two sides are called in ``reason``, e.g. ("reference", "candidate").

    Returns:
        A ``Comparison`` with the verdict and its evidence.

    Raises:
        ValueError: on non-finite samples, an unknown direction, labels that are not parallel
            to the samples, or out-of-range parameters.
    """
    _check_direction(direction)
    check_bootstrap_params(confidence, n_boot)
    if not 0 <= tolerance < 1:
        raise ValueError(f"tolerance {tolerance!r} is outside [0, 1), e.g. 0.05 for 5%")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha {alpha!r} is outside (0, 1), e.g. 0.01")
    if min_samples < 1:
        raise ValueError(f"min_samples {min_samples!r} must be at least 1")
    was, now = sides
    base_arm, cur_arm = Arm.of(baseline), Arm.of(current)
    ref = finite_array(base_arm.samples, f"{was} sample")
    cur = finite_array(cur_arm.samples, f"{now} sample")
    n_b, n_c = int(ref.size), int(cur.size)

    result = partial(Comparison, n_baseline=n_b, n_current=n_c)

    if n_b < min_samples or n_c < min_samples:
        return result(
            verdict="inconclusive",
            note="not enough samples",
            reason=f"{n_b} {was} and {n_c} {now} samples; need at least {min_samples} each",
        )

    sign = 1.0 if direction == "lower" else -1.0
    u = f" {unit}" if unit else ""
    medians = f"median {fmt_number(float(np.median(ref)))} → {fmt_number(float(np.median(cur)))}{u}"
    est = estimate(ref, cur, base_arm, cur_arm, n_boot, seed)
    if est is None:
        return result(
            verdict="inconclusive",
            note="ratio undefined",
            reason=f"{medians}: the ratio is undefined (the {was} median must be > 0)",
        )
    ratio = est.ratio
    change = ratio - 1.0
    worse_by = sign * change
    evidence = f"{medians} ({ratio:.3g}×"
    if est.replicates is None:
        return result(
            ratio=ratio, change=change, worse_by=worse_by, method=est.method,
            verdict="inconclusive", note="ratio undefined",
            reason=f"{evidence}), but a resampled {was} median is 0, so no interval",
        )  # fmt: skip
    # Widened at the test's own level, so the p-value and the interval agree with each other.
    log_reps = widened(est.replicates, est.units, alpha)
    lo, hi = interval(log_reps, confidence)
    worse_reps = sign * (np.exp(log_reps) - 1.0)
    p_boot = float((1 + np.count_nonzero(worse_reps <= tolerance)) / (n_boot + 1))
    p_value = max(p_boot, est.p_floor)
    level = alpha * (INTERIM_ALPHA_SHARE if interim else 1.0)
    significant = p_value < level
    worse_lo, worse_hi = sorted((sign * (lo - 1.0), sign * (hi - 1.0)))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    se_log = math.log(hi / lo) / (2 * z) if lo > 0 else None
    detectable = (
        None
        if se_log is None
        else detectable_change(se_log, tolerance=tolerance, alpha=alpha, direction=direction)
    )
    evidence += (
        f", {confidence * 100:g}% CI {lo:.3g}–{hi:.3g}; {est.method}), p={fmt_p(p_value, level)}"
    )
    tol = fmt_pct(tolerance)

    verdict: Decided
    if worse_lo > tolerance and significant:
        verdict, note = "fail", "regressed"
        reason = f"{evidence} < {level:g}: {fmt_pct(worse_by)} worse, beyond the {tol} tolerance"
    elif worse_hi > tolerance:
        verdict = "inconclusive"
        note = (
            "possible regression" if worse_by > tolerance or worse_lo > 0 else "too noisy to tell"
        )
        cmp_p = "<" if significant else "≥"
        reason = (
            f"{evidence} {cmp_p} {level:g}; the interval reaches {fmt_pct(worse_hi)} worse, past "
            f"the {tol} tolerance: collect more samples"
        )
    else:
        verdict = "pass"
        if worse_hi < 0:
            note = "improved"
            reason = (
                f"{evidence}: {fmt_pct(-worse_by)} better, the whole interval on the better side"
            )
        elif worse_lo > 0:
            note = "within tolerance"
            reason = f"{evidence}: {fmt_pct(worse_by)} worse, within the {tol} tolerance"
        else:
            note = "no significant change"
            reason = f"{evidence}: the interval stays within the {tol} tolerance"
    if detectable is not None:
        reason += f"; detects changes ≥ {fmt_pct(detectable)}"
    if est.caveat:
        reason += f" ({est.caveat})"
    return result(
        ratio=ratio, ci_low=lo, ci_high=hi, p_value=p_value, change=change, worse_by=worse_by,
        significant=significant, verdict=verdict, note=note, reason=reason, method=est.method,
        detectable=detectable, caveat=est.caveat,
    )  # fmt: skip


def naive_mean_rule(
    baseline: Sequence[float],
    current: Sequence[float],
    *,
    direction: str,
    threshold: float = 0.10,
) -> str:
    """The rule most tools use: "fail" if the mean is worse by more than ``threshold``, else "pass".

    Kept only as the yardstick of the detection benchmark; it ignores noise entirely.

    Raises:
        ValueError: on empty or non-finite samples, an unknown direction or a zero baseline mean.
    """
    _check_direction(direction)
    ref = finite_array(baseline, "baseline sample")
    cur = finite_array(current, "current sample")
    if ref.size == 0 or cur.size == 0:
        raise ValueError("naive_mean_rule needs at least one baseline and one current sample")
    m_b = float(np.mean(ref))
    if m_b == 0:
        raise ValueError("baseline mean is 0: the relative change is undefined")
    change = float(np.mean(cur)) / m_b - 1.0
    worse = change if direction == "lower" else -change
    return "fail" if worse > threshold else "pass"
