"""The CSV report: one row per verdict of the check, with its evidence, for spreadsheets.

The per-metric summary statistics are the `csv-stats` report.
"""

from __future__ import annotations

import csv
import io

from mlxguard.check.verdicts import CheckReport
from mlxguard.results import Results

# Verdict fields, in column order: what was judged, the figures, then the words.
COLUMNS = [
    "status",
    "kind",
    "suite",
    "scenario",
    "engine",
    "metric",
    "stat",
    "value",
    "unit",
    "bound",
    "baseline",
    "ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "note",
    "evidence",
]


def cell_text(s: str) -> str:
    """A text cell; spreadsheets run cells that start with these as formulas (CSV injection)."""
    return f"'{s}" if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def cell_num(x: float | None) -> str:
    """A number cell, six significant digits; empty when undefined."""
    return "" if x is None else f"{x:.6g}"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return cell_num(value)
    return cell_text(str(value))


def render(results: Results, report: CheckReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for v in report.verdicts:
        w.writerow([_cell(getattr(v, c)) for c in COLUMNS])
    return buf.getvalue()
