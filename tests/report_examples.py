"""Results of a same-job base-vs-head comparison with a known change, for the report tests.

Rounds drift together on both arms (as a runner's drift does), so the paired estimate the check
decides on differs from the ratio of the two medians shown beside it.
"""

from __future__ import annotations

import random

from factories import benchmark, results

from mlxguard.results import Benchmark, Metric, ReferenceComparison, Results

ROUNDS = 24
BASE = {"ttft_ms": 100.0, "decode_tps": 100.0, "throughput_tps": 100.0}


def _arm(engine: str, medians: dict[str, float], seed: int) -> Benchmark:
    drift = [1 + 0.04 * ((r % 3) - 1) for r in range(ROUNDS)]  # shared by both arms
    rng = random.Random(seed)
    metrics = {
        name: Metric.of(
            name,
            [m * d * (1 + rng.gauss(0, 0.005)) for d in drift],
            processes=[r % 4 for r in range(ROUNDS)],
            rounds=list(range(ROUNDS)),
        )
        for name, m in medians.items()
    }
    return Benchmark(suite="compare", engine=engine, model="tiny", scenario="warm",
                     metrics=metrics, trials=ROUNDS, successes=ROUNDS)  # fmt: skip


def base_vs_head(change: dict[str, float], model: str = "tiny") -> Results:
    """Head against base in one job; ``change`` multiplies the base's figure per metric."""
    base = _arm("reference:base", BASE, seed=1)
    head = _arm("candidate:head", {k: v * change.get(k, 1.0) for k, v in BASE.items()}, seed=2)
    head = head.model_copy(
        update={
            "reference": ReferenceComparison(engine=base.engine, against="base"),
            "model": model,
        }
    )
    base = base.model_copy(update={"model": model})
    target = benchmark(ttft_ms=[80.0, 81.0, 79.5, 80.2, 80.4], model=model)
    return results(target, head, base)
