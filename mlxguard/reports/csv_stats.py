"""The `csv-stats` report: one row per benchmark metric (its summary statistics), for
spreadsheets. The verdicts are `csv`."""

from __future__ import annotations

from mlxguard.check.verdicts import CheckReport
from mlxguard.reports.csv import table
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
    return table(
        COLUMNS,
        (
            [
                b.suite,
                f"{b.scenario}/{b.engine}",
                name,
                *(m.summary.mean, m.summary.median, m.summary.p95, m.summary.p99),
                *(m.summary.min, m.summary.max, m.summary.stddev),
                m.unit,
                m.summary.n,
            ]
            for b in results.benchmarks
            for name, m in b.metrics.items()
        ),
    )
