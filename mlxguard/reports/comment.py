"""The PR comment (jinja2, `templates/comment.md.j2`): verdict first, then the head against its
base when measured in the same job, a table per suite, the reference comparison, a chart of the
gated metrics, and the details folded away.

Pure: no network. Shares its blocks with the Markdown report through `_macros.md.j2`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from mlxguard.check.verdicts import CheckReport, Verdict
from mlxguard.metrics import format_change, format_value, spec
from mlxguard.reports.chart import xychart
from mlxguard.reports.escape import code
from mlxguard.reports.headline import deciding
from mlxguard.reports.markdown import environment
from mlxguard.results import Results

_URL = re.compile(r"https?://[^\s()<>\[\]`\"']+")
MAX_CHARTS = 2


@dataclass(frozen=True)
class Row:
    """One verdict as table cells (plain text; the template escapes them)."""

    label: str
    metric: str
    baseline: str
    current: str
    change: str
    interval: str
    status: str
    note: str


def _times(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def row(v: Verdict, ratio: bool | None = None) -> Row:
    """The cells of one verdict: a target's bound stands in the baseline column.

    Args:
        ratio: show the change as a ratio ("1.09×") rather than a percentage (default: for a
            reference comparison, two engines; a build against its base reads as a change).
    """
    if v.kind == "success":
        current = "—" if v.value is None else f"{v.value:.0%} succeeded"
    else:
        current = format_value(v.metric, v.value)
    if v.baseline is not None:
        base = format_value(v.metric, v.baseline)
    elif v.kind == "target" and v.bound is not None:
        op = "≥" if spec(v.metric).direction == "higher" else "<"
        base = f"target {op} {format_value(v.metric, v.bound)}"
    else:
        base = "—"
    # A baseline change reads as a percentage, a reference comparison as a ratio ("1.09×").
    shown = _times if (v.kind == "reference" if ratio is None else ratio) else format_change
    interval = (
        f"[{shown(v.ci_low)}, {shown(v.ci_high)}]"
        if v.ci_low is not None and v.ci_high is not None
        else "—"
    )
    return Row(
        label=f"{v.scenario} · {v.engine}",
        metric=v.metric + (f" {v.stat}" if v.stat else ""),
        baseline=base,
        current=current,
        change=shown(v.ratio),
        interval=interval,
        status=v.status,
        note=v.note or (v.evidence if v.status != "pass" else ""),
    )


def suite_tables(report: CheckReport) -> list[tuple[str, list[Row]]]:
    """Verdicts other than the reference comparison, grouped by suite in order of appearance."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for v in report.verdicts:
        if v.kind != "reference":
            groups[v.suite].append(row(v))
    return list(groups.items())


def base_pairs(results: Results) -> set[tuple[str, str, str]]:
    """The (suite, scenario, engine) of candidates measured against their own base build."""
    return {
        (b.suite, b.scenario, b.engine)
        for b in results.benchmarks
        if b.reference is not None and b.reference.against == "base"
    }


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
    template = environment().get_template("comment.md.j2")
    pairs = base_pairs(results)
    compared = [v for v in report.verdicts if v.kind == "reference"]
    return template.render(
        results=results,
        report=report,
        deciding=deciding(report),
        suites=suite_tables(report),
        # A pull request measured against its base in the same job leads the comment.
        base=[row(v, ratio=False) for v in compared if (v.suite, v.scenario, v.engine) in pairs],
        reference=[row(v) for v in compared if (v.suite, v.scenario, v.engine) not in pairs],
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
