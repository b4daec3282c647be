"""The regression decision: is ``current`` worse than ``baseline`` by more than a tolerance?

Built so that a noisy machine does not cry wolf. Never decided by one noisy ratio
(DESIGN.md, "Checks and verdicts"); significance comes before any ratio (pyperf's
``_compare.py``), and an effect size with its uncertainty comes before a ``fail``.

Evidence, for samples of one metric from the baseline run and the current run:

* ``ratio = median(current) / median(baseline)``: medians, so a few outliers cannot move it.
* ``[ci_low, ci_high]``: a percentile bootstrap confidence interval of that ratio (Efron &
  Tibshirani 1993, ch. 13), each side resampled independently, ``n_boot`` resamples, seeded.
* ``p_value``: one-sided Mann–Whitney U test (Mann & Whitney 1947) in the worse direction
  (current greater for "lower is better" metrics, smaller for "higher is better"): rank based,
  so it assumes no normality and is robust to heavy tails.
* ``worse_by``: the fraction by which current is worse, ``ratio - 1`` for "lower" metrics and
  ``1 - ratio`` for "higher" ones; the interval is mapped the same way to ``[worse_lo, worse_hi]``.

Decision rule, in order (``tolerance`` defaults to 5%, ``alpha`` to 0.01):

1. Fewer than ``min_samples`` on either side, or no ratio/interval (e.g. a zero baseline
   median): ``inconclusive``.
2. ``fail`` ("regressed") when all three hold: the test is significant (``p < alpha``), the
   point estimate is worse than the tolerance (``worse_by > tolerance``) and the interval is
   clearly on the worse side (``worse_lo > tolerance / 2``). Significance guards against noise,
   the point estimate against trivial but significant changes, and the interval against a
   point estimate that crossed the tolerance by luck. An ``interim`` look (adaptive sampling,
   before the budget is spent) asks more: the whole interval beyond the tolerance
   (``worse_lo > tolerance``), so that looking again and again does not multiply false alarms.
   Measured on synthetic and real samples in docs/regression.md.
3. ``inconclusive`` when the interval still reaches beyond the tolerance (``worse_hi >
   tolerance``) without meeting 2: a regression larger than the tolerance cannot be ruled out
   ("possible regression" if significant or the point estimate is beyond the tolerance, else
   "too noisy to tell"). Collect more samples: adaptive sampling stops only on ``decisive``.
4. Otherwise ``pass``: the interval rules out a regression beyond the tolerance. The note says
   "improved" (significant in the better direction and interval entirely on the better side),
   "within tolerance" (significantly worse, but by less than the tolerance) or
   "no significant change".

Pure: imports only the standard library, numpy and scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from mlxguard.stats import (
    bootstrap_ratio_ci,
    check_bootstrap_params,
    finite_array,
    ratio_of_medians,
)

__all__ = [
    "DIRECTIONS",
    "Comparison",
    "compare",
    "decisive",
    "naive_mean_rule",
]

DIRECTIONS = ("lower", "higher")


@dataclass(frozen=True)
class Comparison:
    """The verdict on one metric, current against baseline, with its evidence.

    Attributes:
        ratio: median(current) / median(baseline); ``None`` if undefined.
        ci_low: lower end of the bootstrap confidence interval of ``ratio``.
        ci_high: upper end of that interval.
        p_value: one-sided Mann–Whitney U p-value in the worse direction.
        change: ``ratio - 1``, plainly (positive = current median is larger).
        worse_by: fraction by which current is worse (positive = regression), direction-aware.
        significant: ``p_value < alpha``.
        verdict: "pass", "fail" or "inconclusive".
        note: a short label: "regressed", "improved", "within tolerance", "no significant change",
            "possible regression", "too noisy to tell", "not enough samples", "ratio undefined".
        reason: one sentence with the evidence.
        n_baseline: number of baseline samples.
        n_current: number of current samples.
    """

    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    change: float | None
    worse_by: float | None
    significant: bool
    verdict: str
    note: str
    reason: str
    n_baseline: int
    n_current: int


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r} is not one of 'lower', 'higher'")


def _fmt(x: float) -> str:
    """A compact number for sentences: 3 significant digits, no exponent below 1e6."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if abs(x) >= 100:
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.1f}"
    return f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{x * 100:.3g}%"


def compare(
    baseline: Sequence[float],
    current: Sequence[float],
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
    """Decide whether ``current`` regressed against ``baseline`` (rule in the module docstring).

    Args:
        baseline: samples of the metric in the baseline run.
        current: samples of the same metric in the current run.
        direction: "lower" (times, memory) or "higher" (tokens per second) is better.
        tolerance: largest worsening that is not a regression, as a fraction (0.05 = 5%).
        alpha: significance level of the one-sided Mann–Whitney U test.
        confidence: two-sided confidence level of the bootstrap interval of the ratio.
        min_samples: fewer samples than this on either side gives "inconclusive".
        n_boot: bootstrap resamples.
        seed: seed of the bootstrap; the result is deterministic given it.
        unit: unit shown after the medians in ``reason`` (e.g. "ms").
        interim: an interim look of adaptive sampling (more samples may follow): a fail then
            needs the whole interval beyond the tolerance.
        sides: what the two sides are called in ``reason``, e.g. ("reference", "candidate").

    Returns:
        A ``Comparison`` with the verdict and its evidence.

    Raises:
        ValueError: on non-finite samples, an unknown direction or out-of-range parameters.
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
    ref = finite_array(baseline, f"{was} sample")
    cur = finite_array(current, f"{now} sample")
    n_b, n_c = int(ref.size), int(cur.size)

    def result(**kw: object) -> Comparison:
        base = dict(
            ratio=None,
            ci_low=None,
            ci_high=None,
            p_value=None,
            change=None,
            worse_by=None,
            significant=False,
            n_baseline=n_b,
            n_current=n_c,
        )
        base.update(kw)
        return Comparison(**base)  # type: ignore[arg-type]

    if n_b < min_samples or n_c < min_samples:
        return result(
            verdict="inconclusive",
            note="not enough samples",
            reason=f"{n_b} {was} and {n_c} {now} samples; need at least {min_samples} each",
        )

    sign = 1.0 if direction == "lower" else -1.0
    worse_alt, better_alt = ("greater", "less") if direction == "lower" else ("less", "greater")
    if np.ptp(np.concatenate([ref, cur])) == 0:
        p_value, p_better = 1.0, 1.0  # all samples equal: no evidence either way (scipy gives nan)
    else:
        p_value = float(sps.mannwhitneyu(cur, ref, alternative=worse_alt).pvalue)
        p_better = float(sps.mannwhitneyu(cur, ref, alternative=better_alt).pvalue)
    significant = p_value < alpha

    m_b, m_c = float(np.median(ref)), float(np.median(cur))
    u = f" {unit}" if unit else ""
    medians = f"median {_fmt(m_b)} → {_fmt(m_c)}{u}"
    ratio = ratio_of_medians(cur, ref)
    if ratio is None:
        return result(
            p_value=p_value,
            significant=significant,
            verdict="inconclusive",
            note="ratio undefined",
            reason=f"{medians}: the ratio is undefined (the {was} median must be > 0)",
        )
    lo, hi = bootstrap_ratio_ci(cur, ref, confidence, n_boot, seed)
    change = ratio - 1.0
    worse_by = sign * change
    evidence = f"{medians} ({ratio:.3g}×"
    if lo is None or hi is None:
        return result(
            ratio=ratio,
            p_value=p_value,
            change=change,
            worse_by=worse_by,
            significant=significant,
            verdict="inconclusive",
            note="ratio undefined",
            reason=f"{evidence}), but a resampled {was} median is 0, so no interval",
        )
    # Map the ratio interval onto the "worse" axis: [worse_lo, worse_hi].
    worse_lo, worse_hi = sorted((sign * (lo - 1.0), sign * (hi - 1.0)))
    evidence += f", {confidence * 100:g}% CI {lo:.3g}–{hi:.3g}), p={p_value:.2g}"
    tol = _pct(tolerance)

    # The interval must clear half the tolerance (all of it at an interim look): see the docstring.
    margin = tolerance if interim else tolerance / 2
    if significant and worse_by > tolerance and worse_lo > margin:
        verdict, note = "fail", "regressed"
        reason = f"{evidence} < {alpha:g}, {_pct(worse_by)} worse, beyond {tol} tolerance"
    elif worse_hi > tolerance:
        verdict = "inconclusive"
        possible = significant or worse_by > tolerance
        note = "possible regression" if possible else "too noisy to tell"
        cmp_p = "<" if significant else "≥"
        reason = (
            f"{evidence} {cmp_p} {alpha:g}; the interval reaches {_pct(worse_hi)} worse, past "
            f"the {tol} tolerance: collect more samples"
        )
    else:
        verdict = "pass"
        if p_better < alpha and worse_hi < 0:
            note = "improved"
            reason = f"{evidence} (improvement p={p_better:.2g}), {_pct(-worse_by)} better"
        elif significant:
            note = "within tolerance"
            reason = f"{evidence} < {alpha:g}, {_pct(worse_by)} worse, within {tol} tolerance"
        else:
            note = "no significant change"
            reason = f"{evidence} ≥ {alpha:g}; the interval stays within {tol} tolerance"
    return result(
        ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        p_value=p_value,
        change=change,
        worse_by=worse_by,
        significant=significant,
        verdict=verdict,
        note=note,
        reason=reason,
    )


def decisive(c: Comparison) -> bool:
    """Return True when the verdict is settled ("pass" or "fail"): adaptive sampling may stop."""
    return c.verdict in ("pass", "fail")


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
