"""The metric registry: each metric's label, unit, better direction, meaning and precision.

Every report names and formats a metric through this registry (``label``, ``format_value``).

Metric names are part of the results schema; the unit is in the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower", "higher", "none"]

# The statistics every metric's summary holds (percentiles by linear interpolation).
SUMMARY_FIELDS = ("n", "mean", "median", "p50", "p90", "p95", "p99", "min", "max", "stddev")


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is measured and read."""

    name: str
    label: str  # the word readers know it by, in table headers and sentences
    unit: str
    direction: Direction
    definition: str
    digits: int = 2
    # Many samples per request (one per token gap), pooled over requests: they are not
    # independent draws, so the metric is descriptive only, never put to a test or gated.
    pooled: bool = False


_SPECS = [
    MetricSpec("load_ms", "load", "ms", "lower", "model load wall time", 1),
    MetricSpec("ttft_ms", "TTFT", "ms", "lower", "request sent -> first token received"),
    MetricSpec("prefill_tps", "prefill", "tok/s", "higher", "prompt tokens / TTFT", 1),
    MetricSpec("decode_tps", "decode", "tok/s", "higher", "(n - 1) / (t_last - t_first)", 1),
    MetricSpec("throughput_tps", "throughput", "tok/s", "higher", "n / (t_last - t_sent)", 1),
    MetricSpec("itl_ms", "ITL", "ms", "lower", "gaps between consecutive tokens", 3, pooled=True),
    MetricSpec("e2e_ms", "latency", "ms", "lower", "request sent -> last token"),
    MetricSpec(
        "tpot_ms", "TPOT", "ms", "lower", "per request: (e2e - TTFT) / (output tokens - 1)", 3
    ),
    MetricSpec("queue_ms", "queue", "ms", "lower", "load: wait for a slot of the client", 2),
    MetricSpec("output_tps", "output tok/s", "tok/s", "higher", "load: output tokens / window", 1),
    MetricSpec("request_rps", "req/s", "req/s", "higher", "load: requests done / window", 3),
    MetricSpec(
        "goodput_rps", "goodput", "req/s", "higher", "load: requests meeting every SLO / window", 3
    ),
    MetricSpec(
        "peak_memory_mb",
        "peak memory",
        "MB",
        "lower",
        "peak memory of the engine, where readable",
        1,
    ),
    MetricSpec(
        "decode_roofline_pct",
        "roofline",
        "%",
        "higher",
        "decode tok/s as % of memory bandwidth / weight bytes per token",
        1,
    ),
    MetricSpec("output_tokens", "tokens", "tok", "none", "tokens received per request", 0),
    MetricSpec("prompt_tokens", "prompt tokens", "tok", "none", "prompt tokens per request", 0),
    MetricSpec("encode_us", "encode", "µs", "lower", "IPC: encode one message", 2),
    MetricSpec("decode_us", "decode", "µs", "lower", "IPC: decode one message", 2),
    MetricSpec(
        "roundtrip_us", "round trip", "µs", "lower", "IPC: one frame to the worker and back", 1
    ),
    MetricSpec("bytes", "bytes", "B", "lower", "IPC: encoded size of one message", 0),
    MetricSpec("compression_ratio", "vs JSON", "x", "higher", "IPC: JSON bytes / codec bytes", 2),
    MetricSpec(
        "overhead_pct", "overhead", "%", "lower", "harness cost per token, % of the token time", 3
    ),
]

METRICS: dict[str, MetricSpec] = {s.name: s for s in _SPECS}


def spec(name: str) -> MetricSpec:
    """The spec of a metric; unknown metrics (from plugins) are informational."""
    return METRICS.get(name) or MetricSpec(name, name, "", "none", "metric not in the registry")


def format_change(ratio: float | None) -> str:
    """A ratio of two values as a signed change, 1.083 -> "+8.3%"; '—' when undefined."""
    return "—" if ratio is None else f"{ratio - 1:+.1%}"


def format_value(name: str, value: float | None, *, unit: bool = True) -> str:
    """A value with its unit (unless ``unit`` is False), rounded to the metric's precision
    (three significant digits for values too small for it); '—' when undefined."""
    if value is None:
        return "—"
    s = spec(name)
    suffix = f" {s.unit}" if unit else ""
    if value and abs(value) < 10 ** (1 - s.digits):
        # Fixed digits would show 0.001 ms as "0.00 ms": keep three significant digits.
        return f"{value:.3g}{suffix}".rstrip()
    return f"{value:,.{s.digits}f}{suffix}".rstrip()


def label(name: str, stat: str | None = None) -> str:
    """A metric's header, e.g. "TTFT p95"; the median of a count or size is its label alone."""
    word = spec(name).label
    return word if stat in (None, "median") else f"{word} {stat}"


# The metrics a candidate engine is compared on with its reference, as ratios (those that both
# benchmarks have: the load suite's points have `ttft_ms` and `output_tps`).
RATIO_METRICS = ("ttft_ms", "decode_tps", "throughput_tps", "output_tps")
