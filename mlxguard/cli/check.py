"""`mlxguard check`: judge a results file against targets and baselines."""

from __future__ import annotations

import typer

from mlxguard.cli.common import check_fail_on, guarded, judge, load_baselines_at, load_run
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
) -> None:
    """Judge a results file against targets and baselines; exit 0 pass, 1 fail, 2 bad input."""
    from mlxguard.config import load_config
    from mlxguard.reports import check_format

    check_fail_on(fail_on)
    check_format(fmt)
    cfg = load_config(config)
    loaded = load_run(results, allow_incomplete)
    if output is not None:
        from mlxguard.fsutil import check_writable

        check_writable(output)
    baselines = load_baselines_at(baseline)
    code = judge(
        loaded, cfg, fmt, output, fail_on, baselines, allow_cross_machine, stdout=output is None
    )
    raise typer.Exit(code)
