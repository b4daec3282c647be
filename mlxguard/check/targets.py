"""Absolute requirements: the targets (e.g. warm TTFT p95 < 200 ms) and the trial success rate."""

from __future__ import annotations

from mlxguard.check.verdicts import Status, Verdict, about
from mlxguard.config import Target
from mlxguard.metrics import format_value, spec
from mlxguard.results import Benchmark, Results


def _target_verdict(t: Target, b: Benchmark, cut: bool) -> Verdict:
    """`cut`: the run's budget ran out before `b` got all its trials."""
    metric = b.metrics.get(t.metric)
    bound = t.max if t.max is not None else t.min
    value = getattr(metric.summary, t.stat) if metric else None
    status: Status
    if value is None and cut:
        # Not skipped: a budget too small for a target must not read as a pass.
        status = "inconclusive"
        evidence = f"{t.metric} not measured: the run's budget (--max-seconds) ran out first"
    elif value is None:
        why = "not measured" if metric is None else f"{t.stat} undefined (n={metric.summary.n})"
        status, evidence = "skipped", f"{t.metric} {why}"
    else:
        op, ok = ("<", value < t.max) if t.max is not None else ("≥", value >= t.min)
        shown, limit = f"{t.stat} {format_value(t.metric, value)}", format_value(t.metric, bound)
        status = "pass" if ok else "fail"
        evidence = f"{shown} {op} {limit}" if ok else f"{shown}, target {op} {limit}"
    return Verdict(
        **about(b), kind="target", metric=t.metric, stat=t.stat, bound=bound,
        unit=spec(t.metric).unit, status=status, value=value, evidence=evidence,
    )  # fmt: skip


def _unmatched(t: Target, results: Results) -> Verdict:
    """A target of a suite that ran, matching none of its benchmarks: a typo in a glob fails
    (naming what there is), so it cannot switch a check off in silence."""
    same = [b for b in results.benchmarks if t.suite is None or b.suite == t.suite]
    scenarios = ", ".join(dict.fromkeys(b.scenario for b in same))
    engines = ", ".join(dict.fromkeys(b.engine for b in same))
    return Verdict(
        kind="target",
        suite=t.suite or "*",
        engine=t.engine,
        scenario=t.scenario,
        metric=t.metric,
        stat=t.stat,
        status="fail",
        evidence=f"scenario '{t.scenario}' and engine '{t.engine}' match no benchmark of "
        f"{t.suite or 'any suite'}: scenarios {scenarios}; engines {engines}",
    )


def target_verdicts(results: Results, targets: list[Target]) -> list[Verdict]:
    """One verdict per target and matching benchmark; a target of a suite that ran and matches
    none of its benchmarks fails; targets of suites that did not run are not judged."""
    out: list[Verdict] = []
    suites_run = {b.suite for b in results.benchmarks}
    cut = set(results.run.budget.cut) if results.run.budget else set()
    for t in targets:
        matched = [b for b in results.benchmarks if t.matches(b.suite, b.scenario, b.engine)]
        out.extend(_target_verdict(t, b, b.label in cut) for b in matched)
        if not matched and (t.suite is None or t.suite in suites_run):
            out.append(_unmatched(t, results))
    return out


def success_verdicts(results: Results, min_rate: float) -> list[Verdict]:
    """A failing engine is a failed check: its figures would be flattering."""
    out = []
    for b in results.benchmarks:
        rate = b.success_rate
        if rate is None or rate >= min_rate:
            continue
        first = f": {b.errors[0]}" if b.errors else ""
        out.append(
            Verdict(
                **about(b),
                kind="success",
                metric="success_rate",
                status="fail",
                value=rate,
                bound=min_rate,
                evidence=f"{b.successes} of {b.trials} trials succeeded{first}",
            )
        )
    return out
