"""The Markdown report (jinja2): `--format markdown`, the job summary and the PR comment.

One template (`templates/report.md.j2`): a headline of at most three lines, each at most
`HEADLINE_WIDTH` characters (the verdict and every failing metric, the model and machine, the
machine's state when it matters), one compact change table (`changes.py`), and everything else
folded. The PR comment (`comment.py`) adds charts and a footer.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2

from mlxguard.check.verdicts import CheckReport
from mlxguard.metrics import format_value
from mlxguard.reports import pairs
from mlxguard.reports.changes import (
    ICONS,
    PAIRED_NOTE,
    caveats,
    changes,
    family_size,
    sides_header,
    statistics_line,
)
from mlxguard.reports.escape import code, md
from mlxguard.reports.headline import (
    figure,
    models,
    resolution_lines,
    samples,
    suite_tables,
    summary,
)
from mlxguard.reports.load_table import load_rows
from mlxguard.results import Results

HEADLINE_WIDTH = 160


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
    env.filters.update(
        md=md, code=code, value=lambda v, metric: format_value(metric, v), nowrap=nowrap
    )
    env.globals.update(
        icons=ICONS,
        figure=figure,
        models=models,
        samples=samples,
        suite_tables=suite_tables,
        pairs=pairs,
        resolution_lines=resolution_lines,
        load_rows=load_rows,
        statistics_line=statistics_line,
        family_size=family_size,
        caveats=caveats,
    )
    return env


def nowrap(text: str) -> str:
    """A figure kept whole in a narrow table ("237.10 ms", "≤ +5%", "−11.7%"), but free to break
    after "paired", after an arrow ("212.09 → / 237.10 ms") and before its interval."""
    whole = text.replace(" ", "\u00a0").replace("\u00a0[", " [").replace("\u00a0\\[", " \\[")
    return whole.replace("→\u00a0", "→ ").replace("paired\u00a0", "paired ")


def clipped(prefix: str, text: str, width: int = HEADLINE_WIDTH) -> str:
    """``prefix`` (Markdown) and ``text`` (untrusted, escaped here), cut at a character of
    ``text`` (never inside an escape) so the line holds at most ``width`` characters."""
    keep = len(text)
    while True:
        shown = text if keep >= len(text) else text[: max(keep, 0)].rstrip() + "…"
        line = prefix + md(shown)
        if len(line) <= width or keep <= 0:
            return line
        keep -= len(line) - width


def headline(results: Results, report: CheckReport) -> list[str]:
    """The first lines: the verdict with every failing (else inconclusive) metric, the models
    and the machine, and the machine's state when it may have moved the figures or the budget
    when it cut them."""
    status = report.status
    lines = [f"### {ICONS[status]} mlxguard: {status.upper()} — {summary(report)}"]
    env = results.environment
    lines.append(
        clipped("Model: ", f"{', '.join(models(results)) or '—'} · {env.chip} ({env.backend})")
    )
    # One line at most for what may have moved or cut the figures: the machine, the budget.
    machine = "; ".join(report.machine_warnings)
    budget = "; ".join(w.removeprefix("budget: ") for w in report.budget_warnings)
    if machine:
        lines.append(
            clipped("> ⚠️ **Machine**: ", machine + (f" · Budget: {budget}" if budget else ""))
        )
    elif budget:
        lines.append(clipped("> ⚠️ **Budget**: ", budget))
    return lines


def render(results: Results, report: CheckReport, **context: Any) -> str:
    """The report; ``context`` may add ``charts`` (Mermaid), ``run_url`` and ``context``."""
    rows = changes(results, report)
    template = environment().get_template("report.md.j2")
    return template.render(
        results=results,
        report=report,
        headline="\n".join(headline(results, report)),
        prominent=[c for c in rows if c.prominent],
        rest=[c for c in rows if not c.prominent],
        header=sides_header(rows),
        paired_note=PAIRED_NOTE,
        **{"charts": [], "run_url": None, "context": None, **context},
    )
