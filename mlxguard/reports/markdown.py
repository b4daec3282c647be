"""The Markdown report (jinja2): the job summary and the body of the PR comment."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from mlxguard.check.verdicts import CheckReport
from mlxguard.metrics import format_value
from mlxguard.reports import pairs
from mlxguard.reports.escape import code, md
from mlxguard.reports.headline import (
    deciding,
    figure,
    models,
    resolution_lines,
    samples,
    suite_tables,
)
from mlxguard.reports.load_table import load_rows
from mlxguard.results import Results

ICONS = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️", "skipped": "⏭️"}


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mlxguard.reports", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: untrusted text goes through the `md` filter
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, code=code, value=lambda v, metric: format_value(metric, v))
    env.globals.update(
        icons=ICONS,
        figure=figure,
        models=models,
        samples=samples,
        suite_tables=suite_tables,
        pairs=pairs,
        resolution_lines=resolution_lines,
        load_rows=load_rows,
    )
    return env


def render(results: Results, report: CheckReport, **context: Any) -> str:
    template = environment().get_template("report.md.j2")
    return template.render(results=results, report=report, deciding=deciding(report), **context)
