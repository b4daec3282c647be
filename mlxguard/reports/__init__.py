"""Reports: one module per format, each a pure `render(results, report) -> str`."""

from __future__ import annotations

from mlxguard.check.verdicts import CheckReport
from mlxguard.errors import UsageError
from mlxguard.results import Results

FORMATS = ("console", "markdown", "json", "csv")


def render(fmt: str, results: Results, report: CheckReport) -> str:
    """Render `report` in `fmt`.

    Raises:
        UsageError: an unknown format.
    """
    if fmt == "console":
        from mlxguard.reports.console import render as r
    elif fmt == "markdown":
        from mlxguard.reports.markdown import render as r
    elif fmt == "json":
        from mlxguard.reports.json import render as r
    elif fmt == "csv":
        from mlxguard.reports.csv import render as r
    else:
        raise UsageError(f"unknown format '{fmt}'; choose from {', '.join(FORMATS)}")
    return r(results, report)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}'; choose from {', '.join(FORMATS)}")
    return fmt
