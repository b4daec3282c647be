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
    ttft_p50: str
    ttft_p90: str
    tpot: str
    goodput: str
    flags: str


def _stat(b: Benchmark, metric: str, stat: str) -> float | None:
    m = b.metrics.get(metric)
    return None if m is None else getattr(m.summary, stat)


def _figure(b: Benchmark, metric: str, stat: str) -> str:
    """A figure without its unit: the table's header names the units."""
    return format_value(metric, _stat(b, metric, stat), unit=False)


def load_benchmarks(results: Results) -> list[Benchmark]:
    """The load suite's benchmarks, ordered by point kind, level, then engine."""
    rows = [b for b in results.benchmarks if b.suite == "load" and b.load is not None]
    return sorted(rows, key=lambda b: (b.load.kind, b.load.level, b.engine) if b.load else ())


def load_rows(results: Results) -> list[LoadRow]:
    """The table's rows: req/s and tok/s (median window), TTFT p50 / p90 and TPOT p50 over
    requests (ms), goodput (req/s, median window), and the first word of each flag; figures
    without units (the header has them)."""
    out = []
    for b in load_benchmarks(results):
        flags = [f.split(_FLAG_WORD)[0] for f in (b.load.flags if b.load else [])]
        out.append(
            LoadRow(
                point=b.scenario,
                engine=b.engine,
                request_rps=_figure(b, "request_rps", "median"),
                output_tps=_figure(b, "output_tps", "median"),
                ttft_p50=_figure(b, "ttft_ms", "p50"),
                ttft_p90=_figure(b, "ttft_ms", "p90"),
                tpot=_figure(b, "tpot_ms", "p50"),
                goodput=_figure(b, "goodput_rps", "median"),
                flags=", ".join(dict.fromkeys(flags)) or "—",
            )
        )
    return out
