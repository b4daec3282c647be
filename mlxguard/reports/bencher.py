"""Bencher Metric Format (BMF) JSON: {benchmark: {measure: {value, lower_value, upper_value}}}.

Shape from https://bencher.dev/docs/reference/bencher-metric-format (schema
https://bencher.dev/bmf.json). The value is the median; the bounds are the 5th and 95th
percentiles of the raw samples (p5 is not in the summary: the results model computes it).
"""

from __future__ import annotations

from mlxguard.reports import ExportOptions
from mlxguard.results import Results
from mlxguard.safetext import to_json


def measure_slug(metric: str) -> str:
    """Bencher slugs are kebab case: ``decode_tps`` -> ``decode-tps``."""
    return metric.replace("_", "-")


def render(results: Results, options: ExportOptions) -> str:
    """Every metric with a direction, both directions in one file (``options`` do not apply)."""
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for b in results.benchmarks:
        measures = {}
        for name, m in sorted(b.metrics.items()):
            if m.direction == "none" or m.summary.median is None:
                continue
            measures[measure_slug(name)] = {
                "value": m.summary.median,
                "lower_value": m.percentile(5),
                "upper_value": m.percentile(95),
            }
        if measures:
            out[b.key_text] = measures
    return to_json(out) + "\n"
