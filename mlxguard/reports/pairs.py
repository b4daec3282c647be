"""Figures of the engine-pair suites (compare, flexible), shared by the console and Markdown.

They read `benchmark.extra`, which a results file may carry in any shape: anything that is not
what the suites write shows as "—" instead of failing the report. The strings returned still
hold text from the file, so Markdown escapes them like any untrusted text.
"""

from __future__ import annotations

from typing import Any

from mlxguard.metrics import RATIO_METRICS, format_value, label
from mlxguard.results import Benchmark, Results

# Columns of the flexible table: (header, metric).
FLEXIBLE_FIGURES = [(label(m), m) for m in ("ttft_ms", "e2e_ms", "decode_tps", "output_tokens")]


def _x(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, int | float) else "—"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def compared(results: Results) -> list[Benchmark]:
    """Candidate benchmarks of the compare suite (they name their reference)."""
    return [b for b in results.benchmarks if "reference" in b.extra]


def reference_of(b: Benchmark) -> str:
    return str(_dict(b.extra.get("reference")).get("engine", "—"))


def ratio_figures(b: Benchmark) -> list[str]:
    """E.g. "TTFT 1.08× (CI 1.01–1.15)", one per ratio, then "parity 12/12 identical"."""
    ratios = _dict(_dict(b.extra.get("reference")).get("ratios"))
    out = []
    for metric in RATIO_METRICS:
        r = _dict(ratios.get(metric))
        if r:
            ci = f"{_x(r.get('ci_low'))}–{_x(r.get('ci_high'))}"
            out.append(f"{label(metric)} {_x(r.get('ratio'))}× (CI {ci})")
    parity = _dict(b.extra.get("parity"))
    if parity:
        out.append(f"parity {parity.get('identical', '—')}/{parity.get('total', '—')} identical")
    return out


def flexible(results: Results) -> list[Benchmark]:
    """Benchmarks of the flexible suite (they keep per-question records)."""
    return [b for b in results.benchmarks if "questions" in b.extra]


def percentiles(b: Benchmark, metric: str) -> str:
    """ "p50 / p95 / p99" of one metric, with its unit once at the end."""
    m = b.metrics.get(metric)
    if m is None:
        return "—"
    s = m.summary
    *head, last = (format_value(metric, v) for v in (s.p50, s.p95, s.p99))
    return " / ".join([*(h.split(" ")[0] for h in head), last])


def winner_text(b: Benchmark) -> str | None:
    """E.g. "candidate (latency: candidate, tok/s: tie; a margin over 5% wins)"."""
    w = _dict(b.extra.get("winner"))
    if not w:
        return None
    margin = w.get("margin")
    rule = f"; a margin over {margin:.0%} wins" if isinstance(margin, int | float) else ""
    by = f"latency: {w.get('latency', '—')}, tok/s: {w.get('tps', '—')}"
    return f"{w.get('overall', '—')} ({by}{rule})"
