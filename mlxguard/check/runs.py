"""File B against file A (`mlxguard compare A B`), judged by the check's own same-job rule.

Every benchmark of B that A also has (same suite, engine, model and scenario) is judged metric
by metric as a head against its base is in one job (`check.reference.same_job_verdict`): the
check's tolerance and alpha, one family over the comparison (Holm, `check.family`), the same
evidence. So `compare A B` and `check` on the same pair give the same verdicts.

Two files are usually two runs: round 3 of one and round 3 of the other were not measured
together, so rounds are paired only when both files come from the same run (the same run id);
otherwise each arm is resampled by its worker processes. Per-token metrics (`itl_ms`: one sample
per gap, pooled over requests) are shown as descriptive medians and never tested. Benchmarks
present in only one file are named in the report's notes.

Pure: no MLX, no file access.
"""

from __future__ import annotations

from mlxguard.check.baseline import machine_difference
from mlxguard.check.evaluate import warnings_of
from mlxguard.check.family import family_adjusted
from mlxguard.check.reference import base_bound, same_job_verdict
from mlxguard.check.verdicts import CheckReport, Verdict, about, overall, resolution
from mlxguard.config import Config
from mlxguard.errors import UsageError
from mlxguard.metrics import format_value, spec
from mlxguard.results import Benchmark, Metric, Results
from mlxguard.stats import Arm

# The note of every verdict of B against A (reports name the two sides after it).
AGAINST_A = "vs A"
DESCRIPTIVE = "descriptive"  # a per-token metric's medians, shown and never tested
SEPARATE_RUNS_NOTE = (
    "A and B are separate runs: their difference includes the drift between runs, which a "
    "stored baseline's band accounts for and a same-job comparison cancels; read a FAIL here as "
    "worth a look, not as proof"
)


def _arm(m: Metric, same_run: bool) -> Arm:
    """The samples of one side, with their rounds only when both sides ran together."""
    return Arm(m.samples, m.processes, m.rounds if same_run else None)


def _descriptive(y: Benchmark, name: str, a: Metric, b: Metric) -> Verdict:
    """The medians of a per-token metric and their ratio, said to be no test."""
    ma, mb = a.summary.median, b.summary.median
    ratio = mb / ma if ma and mb is not None else None
    shown = f" ({ratio:.3g}×)" if ratio is not None else ""
    return Verdict(
        **about(y), kind="reference", metric=name, stat="median", status="skipped",
        value=mb, baseline=ma, ratio=ratio, unit=spec(name).unit, note=DESCRIPTIVE,
        evidence=f"median {format_value(name, ma)} → {format_value(name, mb)}{shown}; one "
        "sample per token gap, pooled over requests: not independent, so never tested",
    )  # fmt: skip


def _verdicts(x: Benchmark, y: Benchmark, config: Config, all_metrics: bool, same_run: bool
              ) -> list[Verdict]:  # fmt: skip
    """B's benchmark ``y`` against A's ``x``, one verdict per metric compared."""
    settings = config.check
    gated = settings.gated_for(y.suite)
    out = []
    for name in sorted(x.metrics.keys() & y.metrics.keys()):
        mx, my = x.metrics[name], y.metrics[name]
        if mx.direction == "none" or not mx.samples or not my.samples:
            continue
        if spec(name).pooled:
            out.append(_descriptive(y, name, mx, my))
        elif all_metrics or name in gated:
            out.append(same_job_verdict(
                y, _arm(mx, same_run), _arm(my, same_run), name, settings,
                bound=base_bound(name, settings), other="A", sides=("A", "B"), note=AGAINST_A,
            ))  # fmt: skip
    return out


def _only(where: str, benchmarks: list[Benchmark]) -> list[str]:
    if not benchmarks:
        return []
    names = ", ".join(f"{b.label} (model {b.model})" for b in benchmarks)
    return [f"only in {where}, not compared ({len(benchmarks)}): {names}"]


def compare_runs(
    a: Results, b: Results, config: Config, *, all_metrics: bool = False
) -> CheckReport:
    """Judge the benchmarks of ``b`` against those of ``a`` (module docstring).

    Args:
        a: the file compared with (the base).
        b: the file under test (the head).
        config: tolerances, alpha and the gated metrics of each suite.
        all_metrics: test every metric with a better direction, not only the gated ones.

    Raises:
        UsageError: the files have no benchmark in common (nothing compared is no pass).
    """
    by_key = {x.key: x for x in a.benchmarks}
    common = [y for y in b.benchmarks if y.key in by_key]
    if not common:
        raise UsageError(
            "A and B have no benchmark in common (same suite, engine, model and scenario); "
            "compare runs of the same suites and engines"
        )
    same_run = a.run.id == b.run.id
    verdicts: list[Verdict] = []
    for y in common:
        verdicts += _verdicts(by_key[y.key], y, config, all_metrics, same_run)
    verdicts = family_adjusted(verdicts, config.check.alpha)
    notes = [] if same_run else [SEPARATE_RUNS_NOTE]
    if a.environment.fingerprint != b.environment.fingerprint:
        notes.append(f"different machines ({machine_difference(a.environment, b.environment)})")
    in_b = {y.key for y in b.benchmarks}
    notes += _only("A", [x for x in a.benchmarks if x.key not in in_b])
    notes += _only("B", [y for y in b.benchmarks if y.key not in by_key])
    machine, budget, warnings = warnings_of(b, config, verdicts)
    return CheckReport(
        status=overall(verdicts), verdicts=verdicts, warnings=warnings, machine_warnings=machine,
        budget_warnings=budget, notes=notes, resolution=resolution(verdicts),
    )  # fmt: skip


def as_shown(b: Results) -> Results:
    """File B as its compare report shows it: without B's own candidate/reference pairs, which
    `compare A B` does not judge (their ratios would read as B against A)."""
    plain = [y.model_copy(update={"reference": None, "parity": None}) for y in b.benchmarks]
    return b.model_copy(update={"benchmarks": plain})
