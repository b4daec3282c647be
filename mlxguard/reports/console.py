"""The console report: plain-text tables that fit the terminal (``COLUMNS``, else 100 columns).

The verdict first, in one line; the benchmarks' figures (units in the headers); the change
table (`changes.py`); one line of statistics per verdict, wrapped; then one line per warning.
"""

from __future__ import annotations

import textwrap

from mlxguard.check.verdicts import CheckReport
from mlxguard.metrics import spec
from mlxguard.reports import pairs
from mlxguard.reports.changes import (
    PAIRED_NOTE,
    caveats,
    changes,
    family_size,
    sides_header,
    statistics_line,
)
from mlxguard.reports.escape import plain
from mlxguard.reports.headline import (
    figure,
    headline,
    models,
    resolution_lines,
    samples,
    suite_tables,
)
from mlxguard.reports.table import terminal_width, text_table
from mlxguard.results import Results


def _wrapped(text: str, width: int, indent: str = "  ") -> list[str]:
    """One paragraph, wrapped at ``width`` with a hanging ``indent``."""
    return textwrap.wrap(plain(text), width, subsequent_indent=indent, break_on_hyphens=False)


def _clip(text: str, width: int) -> str:
    text = plain(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _header(title: str, metric: str) -> str:
    unit = spec(metric).unit
    return f"{title} ({unit})" if unit else title


def _benchmark_tables(results: Results, width: int) -> list[str]:
    lines = []
    for suite, columns, benchmarks in suite_tables(results):
        header = [suite, "engine", *(_header(h, m) for h, m, _ in columns), "ok"]
        rows = [
            [
                b.scenario,
                b.engine,
                *(figure(b, m, s, unit=False) for _, m, s in columns),
                samples(b),
            ]
            for b in benchmarks
        ]
        lines += [*text_table(header, rows, width=width), ""]
    flex = pairs.flexible(results)
    if flex:
        header = ["flexible", "ok", *(f"{h} p50/p95/p99" for h, _ in pairs.FLEXIBLE_FIGURES)]
        rows = [
            [b.engine, samples(b), *(pairs.percentiles(b, m) for _, m in pairs.FLEXIBLE_FIGURES)]
            for b in flex
        ]
        lines += text_table(header, rows, width=width)
        lines += [_clip(f"winner: {w}", width) for b in flex if (w := pairs.winner_text(b))]
        lines.append("")
    return lines


def _verdicts(results: Results, report: CheckReport, width: int) -> list[str]:
    rows = changes(results, report)
    if not rows:
        return []
    header = ["verdict", "benchmark", "metric", sides_header(rows), "change [CI]", "limit"]
    cells = [
        [c.word.upper(), c.benchmark, c.metric, c.before_after, c.change, c.limit] for c in rows
    ]
    lines = text_table(header, cells, width=width)
    if any(c.paired for c in rows):
        lines += _wrapped(PAIRED_NOTE, width)
    family = family_size(report)
    lines += ["", "statistics:"]
    for c in rows:
        text = f"{c.word.upper()} {c.benchmark} {c.metric}: {statistics_line(c.verdict, family)}"
        lines += _wrapped(text, width, indent="    ")
    for caveat in caveats(report):
        lines += _wrapped(f"caveat: {caveat}", width)
    return lines


def render(results: Results, report: CheckReport, *, width: int | None = None) -> str:
    """The report at ``width`` columns (default: the terminal's, else 100)."""
    width = width or terminal_width()
    env = results.environment
    versions = " · ".join(f"{k} {v}" for k, v in env.versions.items() if k != "mlxguard")
    lines = [
        *_wrapped(headline(report), width),
        "",
        _clip(f"model: {', '.join(models(results)) or '—'}", width),
        _clip(f"machine: {env.chip} · {env.backend} · {env.os} · {versions}", width),
        _clip(
            f"fingerprint: {env.fingerprint} · run {results.run.id} · seed {results.run.seed}",
            width,
        ),
        "",
    ]
    lines += _benchmark_tables(results, width)
    lines += _verdicts(results, report, width)
    for line in resolution_lines(report):
        lines += _wrapped(f"resolution: {line}", width)
    warnings = [f"warning: {plain(w)}" for w in report.warnings]
    lines += [_clip(w, width) for w in warnings]
    if any(len(w) > width for w in warnings):
        lines.append("(warnings cut at the width: --format markdown or json gives them whole)")
    for note in report.notes:
        lines += _wrapped(f"note: {note}", width)
    return "\n".join(lines) + "\n"
