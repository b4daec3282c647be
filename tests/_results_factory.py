"""Build small results objects from given samples, without running an engine."""

from __future__ import annotations

import numpy as np

from mlxguard.results import Benchmark, Environment, Metric, Results, RunInfo, Tool


def env(chip: str = "Test Chip", fingerprint: str = "cpu-test-chip-0123456789") -> Environment:
    return Environment(
        platform="linux", machine="x86_64", chip=chip, cpu_count=2, memory_gb=8.0,
        os="Test OS", python="3.11", backend="cpu", fingerprint=fingerprint,
        fingerprint_fields=["platform", "machine", "chip", "cpu_count", "memory_gb", "backend"],
    )  # fmt: skip


def bench(decode: list[float], *, model: str = "tiny", engine: str = "mlx-lm",
          scenario: str = "short-stream") -> Benchmark:  # fmt: skip
    return Benchmark(
        suite="throughput", engine=engine, model=model, scenario=scenario,
        metrics={"decode_tps": Metric.of("decode_tps", decode),
                 "ttft_ms": Metric.of("ttft_ms", [1000.0 / (x + 1) for x in decode]),
                 "output_tokens": Metric.of("output_tokens", [8.0] * len(decode))},
        trials=len(decode), successes=len(decode),
    )  # fmt: skip


def results(*benchmarks: Benchmark, run_id: str = "run1", environment: Environment | None = None,
            sha: str = "abcdef0123456789") -> Results:  # fmt: skip
    return Results(
        tool=Tool(version="0.1.0"),
        run=RunInfo(
            id=run_id,
            started_at=f"2026-01-01T00:00:{len(run_id):02d}+00:00",
            git_sha=sha,
            git_ref="main",
            seed=0,
        ),
        environment=environment or env(),
        benchmarks=list(benchmarks),
    )


def lognormal(n: int, median: float, sigma: float, seed: int) -> list[float]:
    return list(median * np.exp(np.random.default_rng(seed).normal(0, sigma, n)))
