"""The CSV report: one row per verdict of the check, with its evidence, for spreadsheets.

The per-metric summary statistics are the `csv-stats` report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from mlxguard.check.verdicts import CheckReport
from mlxguard.results import Results
from mlxguard.safetext import clean

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


# What spreadsheets run as a formula at the start of a cell (CSV injection), fullwidth forms
# included; a tab or carriage return cannot survive `clean`.
FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: object) -> str:
    """One cell: a number with six significant digits, empty when undefined, else text made one
    clean line, with `'` before a start a spreadsheet would run."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = clean(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of `header` and `rows`, every cell through `cell()`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([cell(c) for c in row] for row in rows)
    return buf.getvalue()


def render(results: Results, report: CheckReport) -> str:
    return table(COLUMNS, ([getattr(v, c) for c in COLUMNS] for v in report.verdicts))
