"""The console report: a plain-text table that reads well in a terminal and in CI logs."""

from __future__ import annotations

from mlxguard.check.verdicts import CheckReport
from mlxguard.reports import pairs
from mlxguard.reports.escape import plain
from mlxguard.reports.headline import (
    figure,
    headline,
    models,
    resolution_lines,
    samples,
    suite_tables,
)
from mlxguard.reports.table import text_table
from mlxguard.results import Results


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return text_table(header, [[plain(c) for c in r] for r in rows])


def _pair_sections(results: Results, report: CheckReport) -> list[str]:
    """Candidate vs reference ratios (compare) and percentiles with the winner (flexible)."""
    lines = []
    for b in pairs.compared(results):
        lines.append(plain(f"{b.suite} {b.scenario}: {b.engine} vs {pairs.reference_of(b)}"))
        lines += [f"  {plain(f)}" for f in pairs.ratio_figures(b, report.verdicts)]
    if lines:
        lines.append("")
    flex = pairs.flexible(results)
    if flex:
        header = ["flexible", "ok", *(f"{h} p50/p95/p99" for h, _ in pairs.FLEXIBLE_FIGURES)]
        rows = [
            [b.engine, samples(b), *(pairs.percentiles(b, m) for _, m in pairs.FLEXIBLE_FIGURES)]
            for b in flex
        ]
        lines += _table(header, rows)
        lines += [f"winner: {plain(w)}" for b in flex if (w := pairs.winner_text(b))]
        lines.append("")
    return lines


def render(results: Results, report: CheckReport) -> str:
    env = results.environment
    versions = " · ".join(f"{k} {v}" for k, v in env.versions.items() if k != "mlxguard")
    lines = [
        headline(report),
        "",
        plain(f"model: {', '.join(models(results)) or '—'}"),
        plain(f"machine: {env.chip} · {env.backend} · {env.os} · {versions}"),
        plain(f"fingerprint: {env.fingerprint} · run {results.run.id} · seed {results.run.seed}"),
        "",
    ]
    for suite, columns, benchmarks in suite_tables(results):
        header = [suite, "engine", *(h for h, _, _ in columns), "ok"]
        rows = [
            [b.scenario, b.engine, *(figure(b, m, s) for _, m, s in columns), samples(b)]
            for b in benchmarks
        ]
        lines += [*_table(header, rows), ""]
    lines += _pair_sections(results, report)
    if report.verdicts:
        rows = [
            [
                v.status.upper(),
                v.kind,
                v.label,
                v.metric + (f" {v.stat}" if v.stat else ""),
                v.evidence,
            ]
            for v in report.verdicts
        ]
        lines += _table(["verdict", "check", "benchmark", "metric", "evidence"], rows)
    lines += [f"resolution: {line}" for line in resolution_lines(report)]
    lines += [f"warning: {plain(w)}" for w in report.warnings]
    lines += [f"note: {plain(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"
