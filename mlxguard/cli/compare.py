"""`mlxguard compare`: judge results file B against results file A, as the check would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import emit, fail_on_of, guarded, load_run
from mlxguard.cli.options import (
    AllowIncompleteOpt,
    ConfigOpt,
    FailOnOpt,
    FormatOpt,
    OutputOpt,
)


@guarded
def compare(
    a: Annotated[Path, typer.Argument(help="Results file A (the base, compared with).")],
    b: Annotated[Path, typer.Argument(help="Results file B (under test, compared with A).")],
    config: ConfigOpt = None,
    fmt: FormatOpt = "console",
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    all_metrics: Annotated[
        bool,
        typer.Option(
            "--all-metrics",
            help="Test every metric with a better direction (default: each suite's gated "
            "metrics, check.gated_metrics, as a check judges them).",
            show_default=False,
        ),
    ] = False,
    allow_incomplete: AllowIncompleteOpt = False,
) -> None:
    """Judge B against A metric by metric, by the check's same-job rule (Holm over all the
    comparisons); exit 0 pass, 1 fail, 2 bad input. The console and Markdown reports open with
    a header naming both files (run id, git sha, time, machine).

    Per-token metrics (itl_ms: one sample per gap, pooled over requests) are shown, never
    tested: their samples are not independent. Benchmarks in only one file are listed.
    """
    from mlxguard.check.runs import as_shown, compare_runs
    from mlxguard.config import load_config
    from mlxguard.reports import check_format, render
    from mlxguard.reports.files import header

    check_format(fmt)
    cfg = load_config(config)
    ra, rb = load_run(a, allow_incomplete), load_run(b, allow_incomplete)
    if output is not None:
        from mlxguard.fsutil import check_writable

        check_writable(output)
    report = compare_runs(ra, rb, cfg, all_metrics=all_metrics)
    named = header(fmt, (str(a), ra), (str(b), rb))
    emit(named + render(fmt, as_shown(rb), report), output)
    raise typer.Exit(report.exit_code(fail_on_of(fail_on, cfg)))
