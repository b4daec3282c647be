"""Figures of the flexible suite (percentiles, the winner), shared by the console and Markdown.

(The compare suite's candidate/reference ratios are rows of the change table, `changes.py`.)
The strings returned still hold text from the results file (engine names, questions), so
Markdown escapes them like any untrusted text.
"""

from __future__ import annotations

from mlxguard.metrics import format_value, label
from mlxguard.results import Benchmark, Results

# Columns of the flexible table: (header, metric).
FLEXIBLE_FIGURES = [(label(m), m) for m in ("ttft_ms", "e2e_ms", "decode_tps", "output_tokens")]


def flexible(results: Results) -> list[Benchmark]:
    """Benchmarks of the flexible suite (they keep per-question records)."""
    return [b for b in results.benchmarks if b.questions is not None]


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
    w = b.winner
    if w is None:
        return None
    by = f"latency: {w.latency}, tok/s: {w.decode_tps}"
    return f"{w.overall} ({by}; a margin over {w.margin_fraction:.0%} wins)"
