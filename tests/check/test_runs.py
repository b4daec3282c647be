"""`compare A B` is judged by the check's own code: on every pair below, `compare_runs(A, B)`
and `evaluate` of the same pair as head against base in one file give the same verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.check.runs import compare_runs
from mlxguard.config import CheckSettings, Config
from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, Metric, ReferenceComparison, Results, load_results

DATA = Path(__file__).resolve().parents[1] / "data" / "results"
BASE = [100.0, 100.4, 99.6, 100.2, 99.8, 100.1, 99.9, 100.3, 99.7, 100.0]


def _joined(a: Results, b: Results) -> Results:
    """A and B as one same-job results file: each benchmark of B the head, A's its base."""
    by_key = {x.key: x for x in a.benchmarks}
    out: list[Benchmark] = []
    for y in b.benchmarks:
        x = by_key.get(y.key)
        if x is None:
            continue
        base = x.model_copy(update={"engine": f"base:{x.engine}"})
        against = ReferenceComparison(engine=base.engine, against="base")
        out += [y.model_copy(update={"engine": f"head:{y.engine}", "reference": against}), base]
    return b.model_copy(update={"benchmarks": out})


def _split(same_job: Results) -> tuple[Results, Results]:
    """A same-job results file as two: A holds each candidate's reference under the candidate's
    name, B the candidate (one run: the rounds were measured together)."""
    a, b = [], []
    for cand in same_job.benchmarks:
        if cand.reference is None:
            continue
        key = (cand.suite, cand.reference.engine, cand.model, cand.scenario)
        ref = next(x for x in same_job.benchmarks if x.key == key)
        a.append(ref.model_copy(update={"engine": cand.engine}))
        b.append(cand.model_copy(update={"reference": None, "parity": None}))
    return (same_job.model_copy(update={"benchmarks": a}),
            same_job.model_copy(update={"benchmarks": b}))  # fmt: skip


def _throughput(decode: list[float], e2e: list[float]) -> Results:
    return results(benchmark("throughput", "short-stream", decode_tps=decode,
                             throughput_tps=decode, e2e_ms=e2e))  # fmt: skip


def _labelled(shift: float, seed: int) -> Results:
    """Four processes, twelve rounds, a drift both arms share; ``shift`` slows decode."""
    rng = np.random.default_rng(seed)
    rounds = [r for r in range(12) for _ in range(2)]
    processes = [r % 4 for r in rounds]
    drift = np.exp(0.2 * np.sin(np.array(rounds)))

    def arm(scale: float) -> Metric:
        values = 500 * scale * drift * np.exp(rng.normal(0, 0.02, len(rounds)))
        return Metric.of("decode_tps", list(values), processes=processes, rounds=rounds)

    def bench(engine: str, scale: float) -> Benchmark:
        ttft = Metric.of("ttft_ms", [80.0 + i % 3 for i in range(24)])
        metrics = {"decode_tps": arm(scale), "ttft_ms": ttft}
        return Benchmark(suite="compare", engine=engine, model="tiny", scenario="warm",
                         metrics=metrics, trials=24, successes=24)  # fmt: skip

    head = bench("candidate:head", 1 - shift).model_copy(
        update={"reference": ReferenceComparison(engine="reference:base", against="base")}
    )
    return results(head, bench("reference:base", 1.0))


PAIRS = {
    "A/A": (_throughput(BASE, [300.0 + i % 3 for i in range(10)]),) * 2,
    "10% slower": (results(benchmark("compare", decode_tps=BASE)),
                   results(benchmark("compare", decode_tps=[x * 0.9 for x in BASE]))),
    "7% slower": (results(benchmark("compare", decode_tps=BASE)),
                  results(benchmark("compare", decode_tps=[x * 0.93 for x in BASE]))),
    "latency 30% worse": (_throughput(BASE, [300.0 + i % 3 for i in range(10)]),
                          _throughput(BASE, [390.0 + i % 3 for i in range(10)])),
    "rounds, A/A": _split(_labelled(0.0, seed=1)),
    "rounds, 10% slower": _split(_labelled(0.10, seed=2)),
    "recorded compare run": _split(load_results(DATA / "v1-compare-until-decisive.json")),
    "recorded mixed run": _split(load_results(DATA / "v1-ttft-compare-flexible-ipc.json")),
}  # fmt: skip


def _decisions(verdicts, strip: str = "") -> dict[tuple[str, str, str], tuple]:
    return {
        (v.suite, v.scenario, v.engine.removeprefix(strip), v.metric): (
            v.status, v.ratio, v.ci_low, v.ci_high, v.p_value, v.p_adjusted, v.detectable,
            # The sides are named differently only where too few samples were given.
            v.evidence.replace("× A (", "× the base (") if v.p_value is not None else None,
        )
        for v in verdicts
        if v.kind == "reference" and v.status != "skipped"
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(PAIRS))
@pytest.mark.parametrize("tolerance", [0.05, 0.1])
def test_compare_and_check_agree_on_every_pair(name: str, tolerance: float) -> None:
    a, b = PAIRS[name]
    config = Config(check=CheckSettings(tolerance=tolerance))
    compared = compare_runs(a, b, config)
    checked = evaluate(_joined(a, b), config)
    mine = _decisions(compared.verdicts)
    assert mine, "the pair compares nothing"
    assert mine == _decisions(checked.verdicts, strip="head:")
    assert compared.status == checked.status


def test_expected_outcomes_of_the_pairs() -> None:
    statuses = {n: compare_runs(a, b, Config()).status for n, (a, b) in PAIRS.items()}
    assert statuses["A/A"] == "pass"
    assert statuses["10% slower"] == "fail"
    assert statuses["rounds, 10% slower"] == "fail"
    assert statuses["rounds, A/A"] == "pass"


def test_rounds_of_separate_runs_are_not_paired() -> None:
    a, b = _split(_labelled(0.0, seed=1))
    same = compare_runs(a, b, Config()).verdicts
    other = compare_runs(a, b.model_copy(update={"run": b.run.model_copy(update={"id": "x"})}),
                         Config()).verdicts  # fmt: skip
    assert "paired by round" in next(v for v in same if v.metric == "decode_tps").evidence
    assert "paired by round" not in next(v for v in other if v.metric == "decode_tps").evidence


def test_holm_is_over_every_comparison_of_the_pair() -> None:
    a, b = PAIRS["latency 30% worse"]
    report = compare_runs(a, b, Config(), all_metrics=True)
    tested = [v for v in report.verdicts if v.p_value is not None]
    assert len(tested) == 3
    assert all(v.p_adjusted is not None and v.p_adjusted >= v.p_value for v in tested)
    (fail,) = [v for v in tested if v.status == "fail"]
    assert fail.metric == "e2e_ms" and "Holm over the check's 3 comparisons" in fail.evidence


def test_benchmarks_in_one_file_only_are_listed() -> None:
    a = results(benchmark("ttft", "warm", ttft_ms=BASE), benchmark("ttft", "cold", ttft_ms=BASE))
    b = results(benchmark("ttft", "warm", ttft_ms=BASE), benchmark("compare", ttft_ms=BASE))
    notes = compare_runs(a, b, Config()).notes
    assert "only in A, not compared (1): ttft cold · mlx-lm (model tiny)" in notes
    assert "only in B, not compared (1): compare warm · mlx-lm (model tiny)" in notes


def test_no_benchmark_in_common_is_bad_input() -> None:
    a = results(benchmark("ttft", "warm", ttft_ms=BASE))
    b = results(benchmark("ttft", "cold", ttft_ms=BASE))
    with pytest.raises(UsageError, match="no benchmark in common"):
        compare_runs(a, b, Config())


def test_too_few_samples_name_what_adds_them_to_the_suite() -> None:
    def few(suite: str, scenario: str) -> Results:
        return results(benchmark(suite=suite, scenario=scenario, ttft_ms=[80.0, 81.0]))

    for suite, scenario, flag in [
        ("ttft", "warm", "--samples"),
        ("flexible", "questions", "-q/--questions"),  # --samples does nothing there
        ("load", "concurrency-1", "[load] rounds"),
    ]:
        [v] = compare_runs(few(suite, scenario), few(suite, scenario), Config()).verdicts
        assert v.status == "inconclusive" and v.evidence.endswith(f"(add {flag})"), v.evidence
