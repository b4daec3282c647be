"""The CSV report: one row per benchmark metric, for spreadsheets."""

from __future__ import annotations

import csv
import io

from mlxguard.check.verdicts import CheckReport
from mlxguard.results import Results

COLUMNS = [
    "Type",
    "Name",
    "Metric",
    "Mean",
    "Median",
    "P95",
    "P99",
    "Min",
    "Max",
    "StdDev",
    "Unit",
    "N",
]


def _text(s: str) -> str:
    # Spreadsheets run cells that start with these as formulas (CSV injection).
    return f"'{s}" if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def render(results: Results, report: CheckReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for b in results.benchmarks:
        for name, m in b.metrics.items():
            s = m.summary
            w.writerow(
                [
                    _text(b.suite),
                    _text(f"{b.scenario}/{b.engine}"),
                    _text(name),
                    _num(s.mean),
                    _num(s.median),
                    _num(s.p95),
                    _num(s.p99),
                    _num(s.min),
                    _num(s.max),
                    _num(s.stddev),
                    m.unit,
                    s.n,
                ]
            )
    return buf.getvalue()
