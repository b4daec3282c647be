"""Exports of a results file to other tools' formats; each module is one `export(...) -> str`."""

from __future__ import annotations

from mlxguard.errors import UsageError
from mlxguard.results import Benchmark, Results

FORMATS = ("bencher", "github-action-benchmark")


def benchmark_name(b: Benchmark) -> str:
    """One readable name per benchmark: suite/scenario/model/engine."""
    return f"{b.suite}/{b.scenario}/{b.model}/{b.engine}"


def export(results: Results, fmt: str, *, better: str = "higher") -> str:
    """Render ``results`` in ``fmt`` (one of FORMATS).

    Raises:
        UsageError: an unknown format or ``better`` value.
    """
    if fmt == "bencher":
        from mlxguard.reports.exports.bencher import export as bmf

        return bmf(results)
    if fmt == "github-action-benchmark":
        from mlxguard.reports.exports.github_action_benchmark import export as gab

        return gab(results, better)
    raise UsageError(f"unknown export format '{fmt}'; choose one of {', '.join(FORMATS)}")
