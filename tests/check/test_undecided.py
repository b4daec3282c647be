"""Which benchmarks `--until-decisive` sends back for another round."""

from __future__ import annotations

import random

from factories import benchmark, results

from mlxguard.check.evaluate import evaluate, undecided
from mlxguard.config import Config
from mlxguard.reports.changes import statistics_line
from mlxguard.results import Adaptive, Benchmark, ReferenceComparison


def _noisy(center: float, spread: float, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


def _pair(scenario: str, ttft: tuple[float, float], decode: tuple[float, float]) -> list[Benchmark]:
    base = benchmark("compare", scenario, "base:e", ttft_ms=_noisy(ttft[0], 0.01, 30, 1),
                     decode_tps=_noisy(decode[0], 0.5, 30, 2))  # fmt: skip
    head = benchmark("compare", scenario, "head:e", ttft_ms=_noisy(ttft[1], 0.01, 30, 3),
                     decode_tps=_noisy(decode[1], 0.5, 30, 4))  # fmt: skip
    against = ReferenceComparison(engine=base.engine, against="base")
    return [head.model_copy(update={"reference": against}), base]


def test_a_benchmark_that_already_failed_is_not_sent_back() -> None:
    # "slow": TTFT 30% worse beyond doubt, decode too noisy to tell; "same": nothing decided.
    r = results(*_pair("slow", (50.0, 65.0), (100.0, 100.0)),
                *_pair("same", (50.0, 50.0), (100.0, 100.0)))  # fmt: skip
    statuses = {
        (v.scenario, v.metric): v.status
        for v in evaluate(r, Config(), interim=True).verdicts
        if v.kind == "reference"
    }
    assert statuses[("slow", "ttft_ms")] == "fail"
    assert statuses[("slow", "decode_tps")] == "inconclusive"
    # Sent back with the metrics left to settle (its TTFT passed): a round may measure only
    # what they need.
    assert undecided(r, Config(), None, False) == {
        ("compare", "same", "head:e"): frozenset({"decode_tps"})
    }


def test_a_settled_benchmark_says_why_its_other_metric_stayed_undecided() -> None:
    r = results(*_pair("slow", (50.0, 65.0), (100.0, 100.0)))
    r = r.model_copy(
        update={"run": r.run.model_copy(update={"adaptive": Adaptive(rounds=0, stopped="")})}
    )
    decode = next(v for v in evaluate(r, Config()).verdicts if v.metric == "decode_tps")
    assert decode.status == "inconclusive"
    assert "add rounds" not in decode.evidence
    assert "not sampled further: this benchmark already FAILs (TTFT)" in decode.evidence
    # What the comment and the console show under the row, not only the JSON report.
    assert statistics_line(decode, family=1).endswith(
        "not sampled further: this benchmark already FAILs (TTFT)"
    )
