"""Verdicts against stored baselines, judged at the run level.

Machine compatibility first (a baseline of another fingerprint is skipped unless
``--allow-cross-machine``), then the run-level rule. A stored baseline was measured in other
runs, at other times: what varies between them is the run, so the current run's median is
compared with the spread of the baseline's run medians, never with their pooled samples.

With the run medians ``m_1..m_k`` on the log scale (mean ``ȳ``, standard deviation ``s``):

* the prediction band for one more run's median is ``ȳ ± t_{k-1} · s · sqrt(1 + 1/k)`` (Hahn &
  Meeker, *Statistical Intervals*, 1991, §4.7; normal prediction interval with estimated
  variance); one-sided at ``alpha`` in the worse direction. With ``k + 1 >= 1 / alpha`` runs
  the band is nonparametric: the current run's rank among the ``k + 1`` (Wilks 1941);
* ``p_value`` is the one-sided t probability of a run median at least this much worse;
* ``fail`` only when the current median is beyond both the tolerance and the band;
  ``inconclusive`` when beyond the tolerance but within the band (the runner's run-to-run
  spread hides it); ``pass`` when within the tolerance;
* fewer than ``MIN_RUNS`` baseline runs: ``inconclusive`` naming how many more are needed,
  unless ``[check] between_run_cv`` gives a prior spread (then ``s = sqrt(log(1 + cv²))`` and
  the normal quantile), stated in the evidence; with enough runs, the prior floors ``s`` (a few
  runs that happen to agree do not make a narrow band);
* ``detectable``: the worsening that would fail 4 times in 5: the larger of the tolerance and
  the band's edge, plus ``z_{0.8} · s · sqrt(1 + 1/k)``.

Pure: no MLX, no file access (the CLI loads the baselines).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, TypedDict

import numpy as np

from mlxguard.baselines import MAX_KEEP, Baseline, Series
from mlxguard.check.decision import POWER, fmt_number, fmt_p, fmt_pct
from mlxguard.check.verdicts import Decided, Verdict, about
from mlxguard.config import CheckSettings
from mlxguard.metrics import spec
from mlxguard.results import Benchmark, Environment, Results

CROSS_MACHINE_NOTE = "compared across machines (--allow-cross-machine)"
# Baseline runs needed for a band from the data: 3 run medians give 2 degrees of freedom.
MIN_RUNS = 3


def machine_difference(a: Environment, b: Environment) -> str:
    """The fingerprint fields that differ, e.g. "chip 'M3 Max' vs 'M2'"; both sides named."""
    fields = a.fingerprint_fields or b.fingerprint_fields
    diffs = [
        f"{f} {getattr(a, f, None)!r} vs {getattr(b, f, None)!r}"
        for f in fields
        if getattr(a, f, None) != getattr(b, f, None)
    ]
    if set(a.fingerprint_fields) != set(b.fingerprint_fields):
        diffs.append("fingerprint fields differ")
    return ", ".join(diffs) or f"fingerprint {a.fingerprint} vs {b.fingerprint}"


@dataclass(frozen=True)
class RunLevel:
    """The current run's median against the run medians of a baseline (module docstring)."""

    verdict: Decided
    note: str
    reason: str
    center: float | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    detectable: float | None = None
    method: str = ""  # where the band comes from, e.g. "5 baseline runs, t with 4 df"


class _Rule(TypedDict):
    """The decision rule's settings for one metric."""

    direction: str
    tolerance: float
    alpha: float
    confidence: float
    unit: str


def _rule(metric: str, settings: CheckSettings) -> _Rule:
    """The metric's direction, tolerance and unit, the configured significance and confidence."""
    s = spec(metric)
    return _Rule(
        direction=s.direction, tolerance=settings.tolerance_for(metric), alpha=settings.alpha,
        confidence=settings.confidence, unit=s.unit,
    )  # fmt: skip


@dataclass(frozen=True)
class Spread:
    """The run-to-run spread of run medians on the log scale, and the distribution of its band."""

    sd: float
    dist: Any  # a frozen scipy.stats distribution: t with k - 1 df, or the normal with a prior
    source: str  # how it was obtained, for the evidence


def run_spread(logs: np.ndarray, between_run_cv: float | None) -> Spread | None:
    """The spread a baseline's band is built from (module docstring); None with fewer than
    `MIN_RUNS` runs and no prior. The check and the dashboard's bands both use it."""
    from scipy import stats as sps

    k = len(logs)
    prior = math.sqrt(math.log1p(between_run_cv**2)) if between_run_cv is not None else None
    if k >= MIN_RUNS:
        sd, source = float(np.std(logs, ddof=1)), f"{k} baseline runs, t with {k - 1} df"
        # A few runs that happen to agree do not make a narrow band: the prior floors the spread.
        if prior is not None and between_run_cv is not None and prior > sd:
            sd = prior
            source += f", spread floored at the between-run CV prior {fmt_pct(between_run_cv)}"
        return Spread(sd, sps.t(k - 1), source)
    if prior is not None and between_run_cv is not None and k >= 1:
        source = f"{k} baseline run(s) and the between-run CV prior {fmt_pct(between_run_cv)} " \
            "([check] between_run_cv)"  # fmt: skip
        return Spread(prior, sps.norm(), source)
    return None


def judge_run(
    medians: Sequence[float],
    current: float,
    *,
    direction: str,
    tolerance: float,
    alpha: float,
    confidence: float = 0.95,
    between_run_cv: float | None = None,
    unit: str = "",
) -> RunLevel:
    """Judge one run's median against the medians of the baseline's runs.

    Args:
        medians: the baseline's run medians (the run being checked left out).
        current: the current run's median.
        direction: "lower" or "higher" is better.
        tolerance: largest worsening that is not a regression (0.05 = 5%).
        alpha: one-sided level of the prediction band (before the family-wise correction).
        confidence: two-sided level of the interval shown for the ratio.
        between_run_cv: a prior run-to-run coefficient of variation, used when the baseline has
            fewer than ``MIN_RUNS`` runs, and as a floor of the spread of the runs it has.
        unit: shown after the medians.
    """
    k = len(medians)
    if current <= 0 or any(m <= 0 for m in medians):
        return RunLevel("inconclusive", "ratio undefined", "a median is <= 0: no ratio")
    logs = np.log(np.asarray(medians, dtype=float))
    sign = 1.0 if direction == "lower" else -1.0
    u = f" {unit}" if unit else ""
    spread = run_spread(logs, between_run_cv)
    if spread is None:
        more = MIN_RUNS - k
        center = float(np.exp(logs.mean())) if k else None
        return RunLevel(
            "inconclusive",
            "too few baseline runs",
            f"the baseline has {k} run(s) of this metric besides the one checked; {more} more "
            "needed (`mlxguard baseline "
            f"update` after each of {more} more run(s) of the baseline branch), or set "
            "[check] between_run_cv",
            center=center,
            ratio=current / center if center else None,
        )
    sd, dist, source = spread.sd, spread.dist, spread.source
    center = float(np.exp(logs.mean()))
    ratio = current / center
    scale = sd * math.sqrt(1 + 1 / k)
    worse_log = sign * math.log(ratio)
    nonparametric = k + 1 >= 1 / alpha  # enough runs for the worst of them to be the band
    if nonparametric:
        as_bad = int(np.count_nonzero(sign * (logs - math.log(current)) >= 0))
        p_value = (1 + as_bad) / (k + 1)  # rank of the current run among k + 1 (Wilks 1941)
        edge = float(np.max(sign * (logs - logs.mean())))
        source = f"{k} baseline runs, rank among them"
    else:
        p_value = float(dist.sf(worse_log / scale)) if scale > 0 else float(worse_log <= 0)
        edge = float(dist.ppf(1 - alpha)) * scale
    half = float(dist.ppf(0.5 + confidence / 2)) * scale
    lo, hi = ratio * math.exp(-half), ratio * math.exp(half)
    worse = sign * (ratio - 1.0)
    band = fmt_pct(math.expm1(edge)) if direction == "lower" else fmt_pct(-math.expm1(-edge))
    z = NormalDist().inv_cdf(POWER)
    reach = max(math.log1p(tolerance if direction == "lower" else -tolerance) * sign, edge)
    detect = reach + z * scale
    detectable = math.expm1(detect) if direction == "lower" else -math.expm1(-detect)
    evidence = (
        f"median {fmt_number(current)}{u} vs the baseline's {fmt_number(center)}{u} ({ratio:.3g}×, "
        f"{confidence * 100:g}% CI {lo:.3g}–{hi:.3g} from the run-to-run spread; {source}), "
        f"p={fmt_p(p_value, alpha)}"
    )
    tol = fmt_pct(tolerance)
    # The worst side of the ratio's interval, as a worsening: a pass must rule out a regression
    # beyond the tolerance, as a same-job pass does (its whole interval within the tolerance).
    worst = max(sign * (lo - 1.0), sign * (hi - 1.0))
    runs_needed = _more_runs(half, sd, k, tolerance, confidence, direction)
    verdict: Decided
    if worse > tolerance and p_value < alpha:
        verdict, note = "fail", "regressed"
        reason = (
            f"{evidence} < {alpha:g}: {fmt_pct(worse)} worse, beyond the {tol} tolerance and "
            f"beyond the run-to-run band ({band})"
        )
    elif worse > tolerance:
        verdict, note = "inconclusive", "within the run-to-run band"
        reason = (
            f"{evidence} ≥ {alpha:g}: {fmt_pct(worse)} worse, beyond the {tol} tolerance but "
            f"within the run-to-run band ({band}): {runs_needed}"
        )
    elif worst > tolerance:
        verdict, note = "inconclusive", "too noisy to tell"
        reason = (
            f"{evidence}: {_side(worse)}, but the run-to-run spread reaches {fmt_pct(worst)} "
            f"worse, past the {tol} tolerance, so a regression beyond it is not ruled out: "
            f"{runs_needed}"
        )
    else:
        verdict = "pass"
        note = "improved" if worse < -tolerance else "within tolerance"
        reason = (
            f"{evidence}: {_side(worse)}; the interval's worse end, {_side(worst)}, is within "
            f"the {tol} tolerance"
        )
    reason += f"; detects changes ≥ {fmt_pct(detectable)}"
    return RunLevel(verdict, note, reason, center, ratio, lo, hi, p_value, detectable, source)


def _side(worse: float) -> str:
    """A worsening in words: "3.1% worse", "17.4% better"."""
    return f"{fmt_pct(abs(worse))} {'worse' if worse >= 0 else 'better'}"


def _half_width(sd: float, k: int, confidence: float) -> float:
    """Half the width, on the log scale, of the ratio's interval against ``k`` run medians."""
    from scipy import stats as sps

    return float(sps.t(k - 1).ppf(0.5 + confidence / 2)) * sd * math.sqrt(1 + 1 / k)


def _more_runs(
    half: float, sd: float, k: int, tolerance: float, confidence: float, direction: str
) -> str:
    """What the interval resolves now (its half-width ``half``, log scale), and how many more
    baseline runs at this spread would narrow it within the tolerance (up to ``MAX_KEEP``)."""
    limit = math.log1p(tolerance) if direction == "lower" else -math.log1p(-tolerance)
    now = math.expm1(half) if direction == "lower" else -math.expm1(-half)
    said = f"the band resolves changes of ±{fmt_pct(now)}"
    if half <= limit:
        return f"{said}; more baseline runs narrow it further"
    more = next(
        (n - k for n in range(max(k + 1, MIN_RUNS), MAX_KEEP + 1)
         if _half_width(sd, n, confidence) <= limit),
        None,
    )  # fmt: skip
    if more is not None:
        return (
            f"{said}; {more} more baseline run(s) at this spread would bring that within the "
            f"{fmt_pct(tolerance)} tolerance (`mlxguard baseline update`, keeping that many)"
        )
    cv = math.sqrt(math.expm1(sd**2))
    return (
        f"{said}, and no number of baseline runs (up to {MAX_KEEP}) would bring that within the "
        f"{fmt_pct(tolerance)} tolerance: the run-to-run spread alone (CV {fmt_pct(cv)}) is too "
        "wide; gate on a same-job comparison (the action's compare-base), which cancels it"
    )


def _pick(
    baselines: list[Baseline], env: Environment, b: Benchmark, allow_cross_machine: bool
) -> tuple[Baseline | None, str]:
    """The baseline for ``b``, and why none (or a cross-machine one) was taken."""
    same = [x for x in baselines if (x.model, x.engine) == (b.model, b.engine)]
    exact = [x for x in same if x.fingerprint == env.fingerprint]
    if exact:
        return exact[0], ""
    if not same:
        return None, f"no baseline for {b.model} · {b.engine}"
    other = max(same, key=lambda x: x.latest.date)
    why = f"baseline is from another machine ({machine_difference(other.environment, env)})"
    if allow_cross_machine:
        return other, why
    return None, f"{why}; compare anyway with --allow-cross-machine"


def _gated(b: Benchmark, settings: CheckSettings) -> list[str]:
    return [
        m
        for m in settings.gated_for(b.suite)
        if m in b.metrics and b.metrics[m].direction != "none" and b.metrics[m].samples
    ]


def _skipped(b: Benchmark, metric: str, why: str) -> Verdict:
    return Verdict(**about(b), kind="baseline", metric=metric, status="skipped",
                   unit=spec(metric).unit, evidence=why)  # fmt: skip


def _context(base: Baseline, cross: str) -> str:
    latest = base.latest
    sha = f" {latest.git_sha[:7]}" if latest.git_sha else ""
    text = f"; baseline latest{sha} {latest.date}"
    return f"{text}; {CROSS_MACHINE_NOTE}: {cross}" if cross else text


def _verdict(b: Benchmark, metric: str, series: Series, results: Results,
             settings: CheckSettings, context: str) -> Verdict:  # fmt: skip
    m = b.metrics[metric]
    if len(m.samples) < settings.min_samples:
        why = f"{len(m.samples)} current samples; need at least {settings.min_samples}"
        r = RunLevel("inconclusive", "not enough samples", why)
        current = None
    else:
        current = statistics.median(m.samples)
        r = judge_run(
            series.medians(excluding=results.run.id), current, **_rule(metric, settings),
            between_run_cv=settings.between_run_cv,
        )  # fmt: skip
    return Verdict(
        **about(b), kind="baseline", metric=metric, stat="median", unit=spec(metric).unit,
        status=r.verdict, value=current, baseline=r.center, ratio=r.ratio, ci_low=r.ci_low,
        ci_high=r.ci_high, p_value=r.p_value, detectable=r.detectable, note=r.note,
        tolerance=settings.tolerance_for(metric), method=r.method, evidence=r.reason + context,
    )  # fmt: skip


def baseline_verdicts(
    results: Results,
    baselines: list[Baseline],
    settings: CheckSettings,
    *,
    allow_cross_machine: bool = False,
) -> list[Verdict]:
    """One verdict per gated metric of every benchmark, against its stored baseline."""
    out: list[Verdict] = []
    for b in results.benchmarks:
        gated = _gated(b, settings)
        if not gated:
            continue
        env = results.environment_of(b)
        base, why = _pick(baselines, env, b, allow_cross_machine)
        if base is None:
            out.extend(_skipped(b, m, why) for m in gated)
            continue
        for metric in gated:
            series = base.find(b.suite, b.scenario, metric)
            if series is None:
                out.append(_skipped(b, metric, f"{metric} is not in the baseline"))
                continue
            out.append(_verdict(b, metric, series, results, settings, _context(base, why)))
    return out
