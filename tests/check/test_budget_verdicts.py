"""What a budget that ran out costs the verdicts: cut targets are inconclusive, never skipped,
and the reader is told what budget would resolve the same-job verdicts left open."""

from __future__ import annotations

from factories import benchmark, results

from mlxguard.check.budget import budget_warnings
from mlxguard.check.evaluate import evaluate
from mlxguard.check.verdicts import Verdict
from mlxguard.config import Config
from mlxguard.results import Adaptive, BudgetSpent, Results


def _spent(r: Results, cut: list[str], elapsed: float = 61.0, stopped: str = "") -> Results:
    update: dict[str, object] = {"budget": BudgetSpent(max_seconds=60, elapsed_s=elapsed, cut=cut)}
    if stopped:
        update["adaptive"] = Adaptive(rounds=2, stopped=stopped)
    return r.model_copy(update={"run": r.run.model_copy(update=update)})


def test_a_target_the_budget_left_unmeasured_is_inconclusive_not_skipped() -> None:
    measured = benchmark("ttft", "warm", ttft_ms=[50.0] * 5)
    unmeasured = benchmark("throughput", "short-stream")  # cut before its first trial
    r = _spent(results(measured, unmeasured), cut=[unmeasured.label])
    report = evaluate(r, Config())
    [cut] = [v for v in report.verdicts if v.suite == "throughput" and v.kind == "target"]
    assert cut.status == "inconclusive" and "budget" in cut.evidence
    assert report.status == "inconclusive"
    [warning] = [w for w in report.warnings if w.startswith("budget:")]
    assert "--max-seconds 60 reached at 61.0 s" in warning and "1 benchmark(s)" in warning
    # Without the budget's record, the same gap is an ordinary skip.
    assert evaluate(results(measured, unmeasured), Config()).status == "pass"


def _open(detectable: float, tolerance: float = 0.05) -> Verdict:
    return Verdict(kind="reference", suite="compare", scenario="warm", engine="cand",
                   metric="decode_tps", status="inconclusive", detectable=detectable,
                   tolerance=tolerance, evidence="")  # fmt: skip


def test_the_budget_that_would_resolve_the_open_verdicts() -> None:
    base = results(benchmark("compare", "warm", "cand", decode_tps=[1.0] * 40))
    r = _spent(base, cut=[], elapsed=60.0, stopped="budget: 60 s reached")
    [line] = budget_warnings(r, [_open(0.10)])
    # 40 samples detect 10%; 5% needs 4x the samples: 120 more at 1.5 s each, on top of 60 s.
    assert line.startswith("budget: 1 same-job verdict(s) stayed inconclusive")
    assert "about --max-seconds 240 " in line
    # Decisive runs, or runs that did not reach their budget, are told nothing.
    assert budget_warnings(r, []) == []
    decisive = _spent(base, cut=[], elapsed=60.0, stopped="every same-job verdict is decisive")
    assert budget_warnings(decisive, [_open(0.10)]) == []


def test_compare_a_b_says_what_b_s_budget_cut() -> None:
    from mlxguard.check.runs import compare_runs

    a = results(benchmark("ttft", "warm", ttft_ms=[50.0] * 5))
    b = _spent(results(benchmark("ttft", "warm", ttft_ms=[51.0] * 5)), cut=["ttft warm · mlx-lm"])
    report = compare_runs(a, b, Config())
    assert any(w.startswith("budget: --max-seconds 60 reached") for w in report.warnings)


def test_the_comment_headline_says_the_budget_cut_the_run() -> None:
    from mlxguard.reports.markdown import headline

    measured = benchmark("ttft", "warm", ttft_ms=[50.0] * 5)
    unmeasured = benchmark("throughput", "short-stream")
    r = _spent(results(measured, unmeasured), cut=[unmeasured.label])
    report = evaluate(r, Config())
    assert report.budget_warnings and report.budget_warnings[0] in report.warnings
    lines = headline(r, report)
    assert len(lines) <= 3 and all(len(line) <= 160 for line in lines)
    assert lines[-1].startswith("> ⚠️ **Budget**: --max-seconds 60 reached at 61.0 s")
