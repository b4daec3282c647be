"""The JSON report: the verdicts and their evidence, for machines."""

from __future__ import annotations

import json

from mlxguard.check.verdicts import CheckReport
from mlxguard.results import Benchmark, Results


def _roofline(results: Results, b: Benchmark) -> dict[str, object]:
    """The decode roofline of one benchmark: null percentage where the chip or model is unknown."""
    m = b.metrics.get("decode_roofline_pct")
    info = results.models.get(b.model)
    return {
        "benchmark": b.key_text,
        "decode_roofline_pct": m.summary.median if m else None,
        "memory_bandwidth_gbs": results.environment_of(b).memory_bandwidth_gbs,
        "weight_bytes_per_token": info.weight_bytes_per_token if info else None,
    }


def render(results: Results, report: CheckReport) -> str:
    doc = {
        "schema": "mlxguard.report/1",
        "run": results.run.model_dump(),
        "fingerprint": results.environment.fingerprint,
        **report.model_dump(),
        "roofline": [
            _roofline(results, b) for b in results.benchmarks if "decode_tps" in b.metrics
        ],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
