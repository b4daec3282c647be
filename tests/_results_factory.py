"""Results with a chosen run id and machine, on top of tests/factories.py (no engine)."""

from __future__ import annotations

import numpy as np
from factories import benchmark, environment
from factories import results as base_results

from mlxguard.results import Benchmark, Environment, Results


def env(chip: str = "Test CPU", fingerprint: str = "cpu-test-0000000000") -> Environment:
    return environment(fingerprint).model_copy(update={"chip": chip})


def bench(
    decode: list[float],
    *,
    model: str = "tiny",
    engine: str = "mlx-lm",
    scenario: str = "short-stream",
) -> Benchmark:
    """A throughput benchmark with decode_tps, a matching ttft_ms and a directionless metric."""
    return benchmark(
        "throughput",
        scenario,
        engine,
        model,
        decode_tps=decode,
        ttft_ms=[1000.0 / (x + 1) for x in decode],
        output_tokens=[8.0] * len(decode),
    )


def results(
    *benchmarks: Benchmark,
    run_id: str = "run1",
    environment: Environment | None = None,
    sha: str = "abcdef0123456789",
) -> Results:
    r = base_results(*benchmarks, sha=sha)
    run = r.run.model_copy(
        update={"id": run_id, "started_at": f"2026-01-01T00:00:{len(run_id):02d}+00:00"}
    )
    return r.model_copy(update={"run": run, "environment": environment or env()})


def lognormal(n: int, median: float, sigma: float, seed: int) -> list[float]:
    return list(median * np.exp(np.random.default_rng(seed).normal(0, sigma, n)))
