"""The console report: a plain-text table that reads well in a terminal and in CI logs."""

from __future__ import annotations

from mlxguard.check import CheckReport
from mlxguard.reports.escape import plain
from mlxguard.reports.headline import KEY_FIGURES, figure, headline, samples
from mlxguard.results import Results


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    rows = [[plain(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r).rstrip() for r in rows
    ]


def render(results: Results, report: CheckReport) -> str:
    env = results.environment
    versions = " · ".join(f"{k} {v}" for k, v in env.versions.items() if k != "mlxguard")
    lines = [
        headline(report),
        "",
        f"machine: {env.chip} · {env.backend} · {env.os} · {versions}",
        f"fingerprint: {env.fingerprint} · run {results.run.id} · seed {results.run.seed}",
        "",
    ]
    if results.benchmarks:
        header = ["suite", "scenario", "engine", *(h for h, _, _ in KEY_FIGURES), "ok"]
        rows = [
            [
                b.suite,
                b.scenario,
                b.engine,
                *(figure(b, m, s) for _, m, s in KEY_FIGURES),
                samples(b),
            ]
            for b in results.benchmarks
        ]
        lines += [*_table(header, rows), ""]
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
    lines += [f"warning: {plain(w)}" for w in report.warnings]
    lines += [f"note: {plain(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"
