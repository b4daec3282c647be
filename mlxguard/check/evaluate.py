"""Check: results x targets (x baseline x reference) -> verdicts, each with its evidence.

Pure: no MLX, no network. The overall status is `fail` if any verdict fails, else
`inconclusive` if any is, else `pass` (or `skipped` when nothing could be judged).
"""

from __future__ import annotations

from mlxguard.baselines import Baseline
from mlxguard.check.baseline import CROSS_MACHINE_NOTE, baseline_verdicts
from mlxguard.check.budget import budget_warnings
from mlxguard.check.family import family_adjusted
from mlxguard.check.machine import results_machine_warnings
from mlxguard.check.reference import failed_benchmarks, reference_verdicts, settled
from mlxguard.check.regimes import regime_warnings
from mlxguard.check.stability import stability_warnings
from mlxguard.check.targets import success_verdicts, target_verdicts
from mlxguard.check.verdicts import CheckReport, Verdict, overall, resolution
from mlxguard.config import Config
from mlxguard.results import Results


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
        interim: an interim look of adaptive sampling (stricter fails; see check.decision.compare).
    """
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
        )
        verdicts += against
        if any(CROSS_MACHINE_NOTE in v.evidence for v in against):
            notes.append(f"some baselines were {CROSS_MACHINE_NOTE}: their verdicts are weaker")
    verdicts = family_adjusted(verdicts, config.check.alpha, interim=interim)
    if results.run.adaptive is not None and not interim:
        verdicts = settled(verdicts)
    machine, budget, warnings = warnings_of(results, config, verdicts)
    return CheckReport(
        status=overall(verdicts),
        verdicts=verdicts,
        warnings=warnings,
        machine_warnings=machine,
        budget_warnings=budget,
        notes=notes,
        resolution=resolution(verdicts),
    )


def warnings_of(
    results: Results, config: Config, verdicts: list[Verdict]
) -> tuple[list[str], list[str], list[str]]:
    """The machine's warnings, the budget's (what it cut, and what budget would settle
    `verdicts` left open), and every warning for the reader, both of those among them."""
    machine = results_machine_warnings(results)
    budget = budget_warnings(results, verdicts)
    warnings = machine + stability_warnings(results, config.check)
    warnings += regime_warnings(results, config.check) + budget
    if results.run.incomplete:
        warnings.insert(0, f"incomplete run ({results.run.incomplete}): judged on what it holds")
    return machine, budget, warnings


def undecided(
    results: Results, config: Config, baselines: list[Baseline] | None, allow_cross: bool
) -> dict[tuple[str, str, str], frozenset[str]]:
    """The (suite, scenario, engine) whose same-job verdicts more rounds could settle, each with
    the metrics of those verdicts (a round that settles only TTFT needs no decode).

    Only same-job comparisons (candidate or head against reference or base) are sent back:
    a stored baseline is judged on run medians, and more samples of this run cannot narrow
    the spread between runs. A benchmark with a metric that already FAILs is not sent back
    either: its answer is settled at the interim level the looks were planned for, and settling
    its other metrics took slowed builds to 240 samples after FAILs at 40-99 (docs/regression.md).
    """
    # An interim look: a fail then needs p < alpha / 5 (check.decision.INTERIM_ALPHA_SHARE).
    report = evaluate(results, config, baselines, allow_cross_machine=allow_cross, interim=True)
    failed = failed_benchmarks(report.verdicts)
    open_: dict[tuple[str, str, str], set[str]] = {}
    for v in report.verdicts:
        key = (v.suite, v.scenario, v.engine)
        if v.kind == "reference" and v.status == "inconclusive" and key not in failed:
            open_.setdefault(key, set()).add(v.metric)
    return {key: frozenset(metrics) for key, metrics in open_.items()}
