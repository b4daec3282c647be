"""Check: results x targets (x baseline x reference) -> verdicts, each with its evidence.

Pure: no MLX, no network. The overall status is `fail` if any verdict fails, else
`inconclusive` if any is, else `pass` (or `skipped` when nothing could be judged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mlxguard.config import CheckSettings, Config, Target
from mlxguard.metrics import format_value, spec
from mlxguard.results import Benchmark, Results
from mlxguard.stats import mad, percentile

if TYPE_CHECKING:
    from mlxguard.baselines import Baseline

Status = Literal["pass", "fail", "inconclusive", "skipped"]
Kind = Literal["target", "baseline", "reference", "success", "parity"]

# Robust relative spread (1.4826 * MAD / median) above which samples are flagged unstable.
# MAD rather than stdev (pyperf's choice) so one preempted sample among thousands of
# microsecond-scale IPC timings does not raise a warning on its own.
UNSTABLE_SPREAD = 0.10


def robust_spread(samples: list[float]) -> float | None:
    """1.4826 * MAD / median: the normal-consistent spread, relative to the median."""
    if len(samples) < 2:
        return None
    m, median = mad(samples), percentile(samples, 50)
    return 1.4826 * m / abs(median) if m is not None and median else None


class Verdict(BaseModel):
    """One judgement about one metric of one benchmark."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    suite: str
    engine: str
    scenario: str
    metric: str
    stat: str | None = None
    status: Status
    value: float | None = None
    bound: float | None = None
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    note: str = ""
    evidence: str

    @property
    def label(self) -> str:
        return f"{self.suite} {self.scenario} · {self.engine}"

    @classmethod
    def on(cls, b: Benchmark, **fields: Any) -> Verdict:
        """A verdict about benchmark `b` (its suite, engine and scenario filled in)."""
        return cls(suite=b.suite, engine=b.engine, scenario=b.scenario, **fields)


class CheckReport(BaseModel):
    """Every verdict of one check, the overall status, and the warnings for the reader."""

    status: Status
    verdicts: list[Verdict]
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def exit_code(self, fail_on: str = "fail") -> int:
        """0 pass, 1 a check failed (or was inconclusive with fail_on='inconclusive')."""
        if self.status == "fail" or (fail_on == "inconclusive" and self.status == "inconclusive"):
            return 1
        return 0

    def count(self, status: str) -> int:
        return sum(1 for v in self.verdicts if v.status == status)


def overall(verdicts: list[Verdict]) -> Status:
    statuses = {v.status for v in verdicts}
    for s in ("fail", "inconclusive", "pass"):
        if s in statuses:
            return s  # type: ignore[return-value]
    return "skipped"


def _target_verdict(t: Target, b: Benchmark) -> Verdict:
    metric = b.metrics.get(t.metric)
    base = dict(
        kind="target",
        metric=t.metric,
        stat=t.stat,
        bound=t.max if t.max is not None else t.min,
        unit=spec(t.metric).unit,
    )
    value = getattr(metric.summary, t.stat) if metric else None
    if value is None:
        why = "not measured" if metric is None else f"{t.stat} undefined (n={metric.summary.n})"
        return Verdict.on(b, **base, status="skipped", evidence=f"{t.metric} {why}")
    op, ok = ("<", value < t.max) if t.max is not None else ("≥", value >= t.min)
    bound = t.max if t.max is not None else t.min
    shown = f"{t.stat} {format_value(t.metric, value)}"
    evidence = (
        f"{shown} {op} {format_value(t.metric, bound)}"
        if ok
        else f"{shown}, target {op} {format_value(t.metric, bound)}"
    )
    return Verdict.on(b, **base, status="pass" if ok else "fail", value=value, evidence=evidence)


def target_verdicts(results: Results, targets: list[Target]) -> list[Verdict]:
    """One verdict per target and matching benchmark; a target that matches none is skipped."""
    out: list[Verdict] = []
    suites_run = {b.suite for b in results.benchmarks}
    for t in targets:
        matched = [b for b in results.benchmarks if t.matches(b.suite, b.scenario, b.engine)]
        out.extend(_target_verdict(t, b) for b in matched)
        if not matched and (t.suite is None or t.suite in suites_run):
            out.append(
                Verdict(
                    kind="target",
                    suite=t.suite or "*",
                    engine=t.engine,
                    scenario=t.scenario,
                    metric=t.metric,
                    stat=t.stat,
                    status="skipped",
                    evidence="no benchmark matched this target",
                )
            )
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
            Verdict.on(
                b,
                kind="success",
                metric="success_rate",
                status="fail",
                value=rate,
                bound=min_rate,
                evidence=f"{b.successes} of {b.trials} trials succeeded{first}",
            )
        )
    return out


def stability_warnings(results: Results, settings: CheckSettings) -> list[str]:
    """One line per benchmark whose gated samples spread by 10% or more of their median."""
    out = []
    for b in results.benchmarks:
        spread = []
        for name in settings.gated_for(b.suite):
            m = b.metrics.get(name)
            cv = robust_spread(m.samples) if m else None
            if cv is not None and cv >= UNSTABLE_SPREAD:
                spread.append(f"{name} ±{cv:.0%}")
        if spread:
            out.append(
                f"{b.suite} {b.scenario} · {b.engine}: unstable ({', '.join(spread)} "
                "of the median); close other apps, add --samples, or add --cooldown"
            )
    return out


def evaluate(
    results: Results,
    config: Config,
    baseline: list[Baseline] | None = None,
    *,
    allow_cross_machine: bool = False,
    interim: bool = False,
) -> CheckReport:
    """Judge a results file against the targets, the reference engine and the baselines.

    Args:
        results: the run to judge.
        config: targets and check settings.
        baseline: loaded baselines (``mlxguard.baselines.load_baselines``); None skips them.
        allow_cross_machine: compare with a baseline of another fingerprint, and say so.
        interim: an interim look of adaptive sampling (stricter fails; see regression.compare).
    """
    from mlxguard.check.baseline import CROSS_MACHINE_NOTE, baseline_verdicts
    from mlxguard.check.reference import reference_verdicts

    verdicts = success_verdicts(results, config.check.min_success_rate)
    verdicts += target_verdicts(results, config.targets)
    verdicts += reference_verdicts(results, config.check, interim=interim)
    notes = []
    if baseline is not None:
        against = baseline_verdicts(
            results,
            baseline,
            config.check,
            allow_cross_machine=allow_cross_machine,
            interim=interim,
        )
        verdicts += against
        if any(CROSS_MACHINE_NOTE in v.evidence for v in against):
            notes.append(f"some baselines were {CROSS_MACHINE_NOTE}: their verdicts are weaker")
    return CheckReport(
        status=overall(verdicts),
        verdicts=verdicts,
        warnings=stability_warnings(results, config.check),
        notes=notes,
    )
