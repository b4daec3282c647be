"""The load suite's compact table (PR comment, job summary): one row per load point and engine.

Formatting only: every figure is a summary the results already hold (medians over windows of
`output_tps`, `request_rps` and `goodput_rps`; percentiles over requests of `ttft_ms` and
`tpot_ms`), and every flag is the suite's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlxguard.metrics import format_value
from mlxguard.results import Benchmark, Results

# The words a flag starts with, shown in the table's last column (the whole flag is in the
# results and in the verdicts' warnings).
_FLAG_WORD = ": "


@dataclass(frozen=True)
class LoadRow:
    """One row of the table, every cell already formatted (untrusted names still raw)."""

    point: str
    engine: str
    request_rps: str
    output_tps: str
    ttft: str
    tpot: str
    goodput: str
    flags: str


def _stat(b: Benchmark, metric: str, stat: str) -> float | None:
    m = b.metrics.get(metric)
    return None if m is None else getattr(m.summary, stat)


def load_benchmarks(results: Results) -> list[Benchmark]:
    """The load suite's benchmarks, ordered by point kind, level, then engine."""
    rows = [b for b in results.benchmarks if b.suite == "load" and b.load is not None]
    return sorted(rows, key=lambda b: (b.load.kind, b.load.level, b.engine) if b.load else ())


def load_rows(results: Results) -> list[LoadRow]:
    """The table's rows: req/s and tok/s (median window), TTFT p50 / p90 and TPOT p50 over
    requests, goodput (median window), and the first word of each flag."""
    out = []
    for b in load_benchmarks(results):
        flags = [f.split(_FLAG_WORD)[0] for f in (b.load.flags if b.load else [])]
        out.append(
            LoadRow(
                point=b.scenario,
                engine=b.engine,
                request_rps=format_value("request_rps", _stat(b, "request_rps", "median")),
                output_tps=format_value("output_tps", _stat(b, "output_tps", "median")),
                ttft=f"{format_value('ttft_ms', _stat(b, 'ttft_ms', 'p50'))} / "
                f"{format_value('ttft_ms', _stat(b, 'ttft_ms', 'p90'))}",
                tpot=format_value("tpot_ms", _stat(b, "tpot_ms", "p50")),
                goodput=format_value("goodput_rps", _stat(b, "goodput_rps", "median")),
                flags=", ".join(dict.fromkeys(flags)) or "—",
            )
        )
    return out
