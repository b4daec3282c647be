"""`mlxguard check`: judge a results file against targets and baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, judge, load_baselines_at, load_run
from mlxguard.cli.options import (
    AllowIncompleteOpt,
    BaselineOpt,
    ConfigOpt,
    CrossOpt,
    FailOnOpt,
    FormatOpt,
    OutputOpt,
    ResultsArg,
)


@guarded
def check(
    results: ResultsArg,
    config: ConfigOpt = None,
    fmt: FormatOpt = "console",
    output: OutputOpt = None,
    fail_on: FailOnOpt = None,
    baseline: BaselineOpt = None,
    allow_cross_machine: CrossOpt = False,
    allow_incomplete: AllowIncompleteOpt = False,
    json_report: Annotated[
        Path | None,
        typer.Option(
            "--json-report",
            help="Also write the JSON report here, for `mlxguard publish --check-report`, "
            "which then publishes this check instead of making it again (default: none).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Judge a results file against targets and baselines; exit 0 pass, 1 fail, 2 bad input."""
    from mlxguard.config import load_config
    from mlxguard.fsutil import check_writable
    from mlxguard.reports import check_format

    check_format(fmt)
    cfg = load_config(config)
    loaded = load_run(results, allow_incomplete)
    for path in (output, json_report):
        if path is not None:
            check_writable(path)
    baselines = load_baselines_at(baseline)
    code = judge(
        loaded, cfg, fmt, output, fail_on, baselines, allow_cross_machine, stdout=output is None,
        json_report=json_report,
    )  # fmt: skip
    raise typer.Exit(code)
