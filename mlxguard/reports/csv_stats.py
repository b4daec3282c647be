"""The `csv-stats` report: one row per benchmark metric (its summary statistics), for
spreadsheets. The verdicts are `csv`."""

from __future__ import annotations

import csv
import io

from mlxguard.check.verdicts import CheckReport
from mlxguard.reports.csv import cell_num as _num
from mlxguard.reports.csv import cell_text as _text
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
