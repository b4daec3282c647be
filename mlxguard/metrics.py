"""The metric registry: each metric's unit, better direction and meaning.

Metric names are part of the results schema (`mlxguard.results/1`); the unit is in the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower", "higher", "none"]


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is measured and read."""

    name: str
    unit: str
    direction: Direction
    definition: str
    digits: int = 2


_SPECS = [
    MetricSpec("load_ms", "ms", "lower", "model load wall time", 1),
    MetricSpec("ttft_ms", "ms", "lower", "request sent -> first token received"),
    MetricSpec("prefill_tps", "tok/s", "higher", "prompt tokens / TTFT", 1),
    MetricSpec("decode_tps", "tok/s", "higher", "(n - 1) / (t_last - t_first)", 1),
    MetricSpec("throughput_tps", "tok/s", "higher", "n / (t_last - t_sent)", 1),
    MetricSpec("itl_ms", "ms", "lower", "gaps between consecutive tokens", 3),
    MetricSpec("e2e_ms", "ms", "lower", "request sent -> last token"),
    MetricSpec("peak_memory_mb", "MB", "lower", "peak memory of the engine, where readable", 1),
    MetricSpec("output_tokens", "tok", "none", "tokens received per request", 0),
    MetricSpec("prompt_tokens", "tok", "none", "prompt tokens per request", 0),
    MetricSpec("encode_us", "µs", "lower", "IPC: encode one message", 2),
    MetricSpec("decode_us", "µs", "lower", "IPC: decode one message", 2),
    MetricSpec("roundtrip_us", "µs", "lower", "IPC: one frame to the worker and back", 1),
    MetricSpec("bytes", "B", "lower", "IPC: encoded size of one message", 0),
    MetricSpec("compression_ratio", "x", "higher", "IPC: JSON bytes / codec bytes", 2),
    MetricSpec("overhead_pct", "%", "lower", "harness cost per token, % of the token time", 3),
]

METRICS: dict[str, MetricSpec] = {s.name: s for s in _SPECS}


def spec(name: str) -> MetricSpec:
    """The spec of a metric; unknown metrics (from plugins) are informational."""
    return METRICS.get(name) or MetricSpec(name, "", "none", "metric not in the registry")


def format_value(name: str, value: float | None) -> str:
    """A value with its unit, rounded to the metric's precision; '—' when undefined."""
    if value is None:
        return "—"
    s = spec(name)
    return f"{value:,.{s.digits}f} {s.unit}".rstrip()


# Metric -> the word readers know it by.
RATIO_METRICS = {"ttft_ms": "TTFT", "decode_tps": "decode", "throughput_tps": "throughput"}
