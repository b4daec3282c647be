"""Hand-built results for tests of the pure stages (check, reports): no MLX involved."""

from __future__ import annotations

from mlxguard.results import Benchmark, Environment, Metric, Results, RunInfo, Tool


def environment(fingerprint: str = "cpu-test-0000000000") -> Environment:
    return Environment(
        platform="linux",
        machine="x86_64",
        chip="Test CPU",
        cpu_count=2,
        memory_gb=24.0,
        os="Linux",
        python="3.11.7",
        backend="cpu",
        versions={"mlx": "0.32.4"},
        fingerprint=fingerprint,
        fingerprint_fields=["chip"],
    )


def benchmark(
    suite: str = "ttft",
    scenario: str = "warm",
    engine: str = "mlx-lm",
    model: str = "tiny",
    **samples: list[float],
) -> Benchmark:
    n = max((len(v) for v in samples.values()), default=0)
    return Benchmark(
        suite=suite,
        engine=engine,
        model=model,
        scenario=scenario,
        metrics={k: Metric.of(k, v) for k, v in samples.items()},
        trials=n,
        successes=n,
    )


def results(
    *benchmarks: Benchmark,
    fingerprint: str = "cpu-test-0000000000",
    sha: str | None = "0123456789abcdef",
) -> Results:
    return Results(
        tool=Tool(version="0.1.0"),
        run=RunInfo(
            id="run1",
            started_at="2026-11-28T12:00:00+00:00",
            finished_at="2026-11-28T12:01:00+00:00",
            git_sha=sha,
            git_ref="main",
            seed=0,
        ),
        environment=environment(fingerprint),
        config={},
        benchmarks=list(benchmarks),
    )
