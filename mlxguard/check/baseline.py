"""Verdicts against stored baselines: machine compatibility first, then the regression decision.

Pure: no MLX, no file access (the CLI loads the baselines). ``comparison_verdict`` turns one
``decision.compare`` into a ``Verdict``; the compare suite's candidate/reference ratios can use
it the same way with ``kind="reference"``.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from mlxguard.baselines import Baseline, Series
from mlxguard.check.decision import Comparison, compare
from mlxguard.check.verdicts import Kind, Verdict
from mlxguard.config import CheckSettings
from mlxguard.metrics import spec
from mlxguard.results import Benchmark, Environment, Results

CROSS_MACHINE_NOTE = "compared across machines (--allow-cross-machine)"


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


def comparison_verdict(
    kind: Kind,
    b: Benchmark,
    metric: str,
    reference: Sequence[float],
    c: Comparison,
    *,
    context: str = "",
) -> Verdict:
    """One verdict from one comparison; ``value`` and ``baseline`` are the two medians."""
    current = b.metrics[metric].samples
    return Verdict.on(
        b,
        kind=kind,
        metric=metric,
        stat="median",
        status=c.verdict,  # type: ignore[arg-type]
        value=statistics.median(current) if current else None,
        baseline=statistics.median(reference) if reference else None,
        unit=spec(metric).unit,
        ratio=c.ratio,
        ci_low=c.ci_low,
        ci_high=c.ci_high,
        p_value=c.p_value,
        note=c.note,
        evidence=f"{c.reason}{context}",
    )


def compare_samples(
    reference: Sequence[float],
    current: Sequence[float],
    metric: str,
    settings: CheckSettings,
    *,
    interim: bool = False,
) -> Comparison:
    """``check.decision.compare`` with the configured tolerance, alpha and confidence."""
    return compare(
        reference,
        current,
        direction=spec(metric).direction,
        tolerance=settings.tolerance_for(metric),
        alpha=settings.alpha,
        confidence=settings.confidence,
        min_samples=settings.min_samples,
        unit=spec(metric).unit,
        interim=interim,
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
    return Verdict.on(
        b,
        kind="baseline",
        metric=metric,
        status="skipped",
        unit=spec(metric).unit,
        evidence=why,
    )


def _context(base: Baseline, series: Series, cross: str) -> str:
    latest = base.latest
    sha = f" {latest.git_sha[:7]}" if latest.git_sha else ""
    text = f"; baseline: {len(series.runs)} run(s), latest{sha} {latest.date}"
    return f"{text}; {CROSS_MACHINE_NOTE}: {cross}" if cross else text


def baseline_verdicts(
    results: Results,
    baselines: list[Baseline],
    settings: CheckSettings,
    *,
    allow_cross_machine: bool = False,
    interim: bool = False,
) -> list[Verdict]:
    """One verdict per gated metric of every benchmark, against its stored baseline.

    ``interim`` marks a look of adaptive sampling (see ``check.decision.compare``).
    """
    out: list[Verdict] = []
    for b in results.benchmarks:
        gated = _gated(b, settings)
        if not gated:
            continue
        own = b.extra.get("environment")
        env = Environment.model_validate(own) if own else results.environment
        base, why = _pick(baselines, env, b, allow_cross_machine)
        if base is None:
            out.extend(_skipped(b, m, why) for m in gated)
            continue
        for metric in gated:
            series = base.find(b.suite, b.scenario, metric)
            if series is None:
                out.append(_skipped(b, metric, f"{metric} is not in the baseline"))
                continue
            c = compare_samples(
                series.samples, b.metrics[metric].samples, metric, settings, interim=interim
            )
            ctx = _context(base, series, why)
            out.append(comparison_verdict("baseline", b, metric, series.samples, c, context=ctx))
    return out
