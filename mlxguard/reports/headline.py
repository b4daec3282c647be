"""The figures a reader needs first, shared by every human-facing format."""

from __future__ import annotations

from mlxguard.check.verdicts import CheckReport, Verdict
from mlxguard.defaults import NO_MODEL
from mlxguard.metrics import format_change, format_value, label
from mlxguard.reports.changes import beyond_tolerance, worse_by
from mlxguard.reports.escape import plain
from mlxguard.results import Benchmark, ModelInfo, Results


def _columns(*figures: str) -> list[tuple[str, str, str]]:
    """Table columns (header, metric, stat) from "metric stat" pairs; headers from the registry."""
    return [(label(m, s), m, s) for m, s in (f.split() for f in figures)]


# Columns of the benchmark tables, by kind of suite.
KEY_FIGURES = _columns(
    "ttft_ms p50", "ttft_ms p95", "decode_tps p50", "decode_roofline_pct p50",
    "throughput_tps p50", "e2e_ms p50", "load_ms p50",
)  # fmt: skip
# Shown wherever decode speed is: "unknown" when the chip's bandwidth or the model's bytes are.
ROOFLINE = "decode_roofline_pct"
IPC_FIGURES = _columns(
    "encode_us p50", "decode_us p50", "decode_us p95", "bytes median", "compression_ratio median",
    "roundtrip_us p50", "roundtrip_us p95",
)  # fmt: skip

# Suites with a section of their own in every report, left out of the generic tables.
OWN_SECTION = ("flexible",)


def suite_tables(results: Results) -> list[tuple[str, list[tuple[str, str, str]], list[Benchmark]]]:
    """(suite, columns, benchmarks) per suite, keeping only columns with at least one value."""
    out = []
    for suite in dict.fromkeys(b.suite for b in results.benchmarks):
        if suite in OWN_SECTION:
            continue
        rows = [b for b in results.benchmarks if b.suite == suite]
        columns = IPC_FIGURES if suite == "ipc" else KEY_FIGURES
        columns = [
            c for c in columns
            if any(c[1] in b.metrics or (c[1] == ROOFLINE and "decode_tps" in b.metrics)
                   for b in rows)
        ]  # fmt: skip
        out.append((suite, columns, rows))
    return out


def figure(b: Benchmark, metric: str, stat: str, unit: bool = True) -> str:
    """One summary figure of a benchmark, with its unit unless ``unit`` is False."""
    m = b.metrics.get(metric)
    if m is None and metric == ROOFLINE and "decode_tps" in b.metrics:
        return "unknown"
    return format_value(metric, getattr(m.summary, stat), unit=unit) if m else "—"


def models(results: Results) -> list[str]:
    """The models measured, in order of first appearance: each name (as the run recorded it)
    with its shape and quantization where the results say, e.g. `tiny (llama, 2 layers × 64,
    4-bit)`. The ipc suite's placeholder model is left out: it is no model."""
    return [
        f"{name} ({shape})" if (shape := model_shape(results.models.get(name))) else name
        for name in dict.fromkeys(b.model for b in results.benchmarks)
        if name != NO_MODEL
    ]


def model_shape(info: ModelInfo | None) -> str:
    """`llama, 16 layers × 2048, 4-bit` (what is known of it), or ""."""
    if info is None:
        return ""
    parts = [info.model_type] if info.model_type else []
    if info.num_layers and info.hidden_size:
        parts.append(f"{info.num_layers} layers × {info.hidden_size}")
    parts.append(f"{info.bits}-bit" if info.bits else "not quantized")
    return ", ".join(parts)


def samples(b: Benchmark) -> str:
    return f"{b.successes}/{b.trials}"


def deciding(report: CheckReport) -> list[Verdict]:
    """The verdicts that decided the overall status: the failures, else the doubts, else all."""
    for status in ("fail", "inconclusive", "pass"):
        picked = [v for v in report.verdicts if v.status == status]
        if picked:
            return picked
    return []


_PHRASE = {"fail": "failed", "inconclusive": "inconclusive", "pass": "passed"}


def _figure(v: Verdict) -> str:
    if v.ratio is not None:
        return format_change(v.ratio).replace("-", "−")
    if v.kind == "target" and v.value is not None:
        return format_value(v.metric, v.value)
    return ""


def _named(verdicts: list[Verdict], figures: bool) -> str:
    """Each metric once, by its label, with its worst figure: "TTFT +8.3%, decode −11.9%"."""
    groups: dict[str, list[Verdict]] = {}
    for v in verdicts:
        name = label(v.metric, v.stat if v.kind == "target" else None)
        groups.setdefault(name, []).append(v)
    out = []
    for name, group in groups.items():
        worst = max(group, key=lambda v: worse_by(v) or 0.0)
        figure = _figure(worst) if figures else ""
        many = f" (worst of {len(group)})" if figures and figure and len(group) > 1 else ""
        out.append(" ".join(filter(None, [plain(name), figure])) + many)
    return ", ".join(out)


def summary(report: CheckReport, width: int = 130) -> str:
    """What decided the status, in at most ``width`` characters where it can be: "3 of 4
    checks failed: TTFT +8.3%, decode −11.9%, throughput −12.6%". Every failing (else
    inconclusive) metric is named; figures are dropped before names."""
    if not report.verdicts:
        return "no checks"
    decided = deciding(report)
    if report.status == "skipped":
        n = len(report.verdicts)
        return f"{n} check{'s' if n > 1 else ''} skipped, none judged"
    head = f"{len(decided)} of {len(report.verdicts)} checks {_PHRASE[report.status]}"
    if report.status == "pass":
        better = [v for v in decided if v.ratio is not None and beyond_tolerance(v)]
        named = [_named(better, True), _named(better, False)] if better else [""]
        texts = [f"{head}; improved: {n}" if n else head for n in named]
    else:
        texts = [f"{head}: {_named(decided, figures)}" for figures in (True, False)]
    return next((t for t in texts if len(t) <= width), texts[-1])


def headline(report: CheckReport) -> str:
    """One line: the status and what decided it, e.g. "FAIL: 3 of 4 checks failed: TTFT +8.3%"."""
    return f"{report.status.upper()}: {summary(report)}"


_RESOLVED_BY = {"reference": "same job", "baseline": "stored baselines"}


def resolution_lines(report: CheckReport) -> list[str]:
    """One sentence per kind of comparison: the smallest change it could have detected."""
    out = []
    for r in report.resolution:
        spread = f", {r.best:.0%}–{r.worst:.0%}" if f"{r.best:.0%}" != f"{r.worst:.0%}" else ""
        out.append(
            f"this runner resolves changes ≥ {r.worst:.0%} ({_RESOLVED_BY[r.kind]}: "
            f"{r.comparisons} comparison(s){spread}, 80% power)"
        )
    return out
