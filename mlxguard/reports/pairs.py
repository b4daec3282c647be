"""Figures of the engine-pair suites (compare, flexible), shared by the console and Markdown.

The candidate/reference ratios come from the check's verdicts (`check.reference.ratio_verdicts`),
never recomputed here. The strings returned still hold text from the results file (engine
names, questions), so Markdown escapes them like any untrusted text.
"""

from __future__ import annotations

from mlxguard.check.reference import ratio_verdicts
from mlxguard.check.verdicts import Verdict
from mlxguard.metrics import format_value, label
from mlxguard.results import Benchmark, Results

# Columns of the flexible table: (header, metric).
FLEXIBLE_FIGURES = [(label(m), m) for m in ("ttft_ms", "e2e_ms", "decode_tps", "output_tokens")]


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def compared(results: Results) -> list[Benchmark]:
    """Candidate benchmarks of the compare suite (they name their reference)."""
    return [b for b in results.benchmarks if b.reference is not None]


def reference_of(b: Benchmark) -> str:
    return b.reference.engine if b.reference else "—"


def ratio_figures(b: Benchmark, verdicts: list[Verdict]) -> list[str]:
    """E.g. "TTFT 1.08× (CI 1.01–1.15)", one per ratio verdict, then "parity 12/12 identical".

    A verdict without a ratio (too few samples) shows "TTFT — (inconclusive)".
    """
    out = []
    for v in ratio_verdicts(verdicts, b):
        if v.ratio is None:
            out.append(f"{label(v.metric)} — ({v.status})")
        else:
            out.append(f"{label(v.metric)} {_x(v.ratio)}× (CI {_x(v.ci_low)}–{_x(v.ci_high)})")
    if b.parity is not None:
        out.append(f"parity {b.parity.identical}/{b.parity.total} identical")
    return out


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
