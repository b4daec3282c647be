"""The PR comment: the Markdown report (`markdown.py`) with charts of the gated metrics and a
footer naming the status context and linking the run.

Pure: no network.
"""

from __future__ import annotations

import re

from mlxguard.check.verdicts import CheckReport
from mlxguard.reports import markdown
from mlxguard.reports.chart import xychart
from mlxguard.reports.escape import code
from mlxguard.results import Results

_URL = re.compile(r"https?://[^\s()<>\[\]`\"']+")
MAX_CHARTS = 2


def charts(results: Results, report: CheckReport, gated: list[str]) -> list[str]:
    """Mermaid charts of the gated metrics: current medians, baseline medians where known."""
    baselines = {
        (v.suite, v.scenario, v.engine, v.metric): v.baseline
        for v in report.verdicts
        if v.kind == "baseline" and v.baseline is not None
    }
    engines = {b.engine for b in results.benchmarks}
    out = []
    for metric in gated:
        picked = [
            b
            for b in results.benchmarks
            if metric in b.metrics and b.metrics[metric].summary.median is not None
        ]
        if not picked:
            continue
        labels = [b.scenario if len(engines) == 1 else f"{b.scenario} {b.engine}" for b in picked]
        current = [b.metrics[metric].summary.median for b in picked]
        base = [baselines.get((b.suite, b.scenario, b.engine, metric)) for b in picked]
        line = None if None in base else base
        out.append(xychart(metric, labels, current, line))  # type: ignore[arg-type]
        if len(out) == MAX_CHARTS:
            break
    return out


def safe_url(url: str | None) -> str | None:
    """`url` if it is a plain http(s) URL that cannot break out of a Markdown link."""
    return url if url and _URL.fullmatch(url) else None


def render(
    results: Results,
    report: CheckReport,
    *,
    gated: list[str],
    run_url: str | None = None,
    context: str = "mlxguard",
) -> str:
    """The comment body (without the hidden marker, which the sticky comment adds)."""
    return markdown.render(
        results,
        report,
        charts=charts(results, report, gated),
        run_url=safe_url(run_url),
        context=context,
    )


def trimmed_pointer(run_url: str | None, artifact: str) -> str:
    """The line that ends a comment trimmed to GitHub's size limit."""
    url = safe_url(run_url)
    name = code(artifact)
    where = f"the {name} artifact of [the run]({url})" if url else f"the {name} artifact"
    return f"_Comment trimmed to GitHub's size limit: the full report is in {where}._"
