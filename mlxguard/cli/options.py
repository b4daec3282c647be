"""One declaration per option shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.defaults import FailOn
from mlxguard.reports import EXPORT_FORMATS, REPORT_FORMATS


def one_of(names: tuple[str, ...]) -> str:
    """ "a, b or c": the choices of an option, for its help."""
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: ./mlxguard.toml, else [tool.mlxguard] in "
        "./pyproject.toml, else built-in defaults).",
        dir_okay=False,
        show_default=False,
    ),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help=f"Report format: {one_of(REPORT_FORMATS)}."),
]
ExportToOpt = Annotated[str, typer.Option("--to", help=f"Export format: {one_of(EXPORT_FORMATS)}.")]
FailOnOpt = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 on 'fail' or also on 'inconclusive' (default: from the config, 'fail').",
        show_default=False,
    ),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="Baseline directory or file to compare with (default: none; record one with "
        "`mlxguard baseline update`).",
        show_default=False,
    ),
]
CrossOpt = Annotated[
    bool,
    typer.Option(
        "--allow-cross-machine",
        help="Compare with a baseline from another machine fingerprint (default: skipped).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file instead of stdout (default: stdout).",
        dir_okay=False, show_default=False
    ),
]  # fmt: skip
AllowIncompleteOpt = Annotated[
    bool,
    typer.Option(
        "--allow-incomplete",
        help="Use a results file of an interrupted or unfinished run (default: refused, exit 2).",
        show_default=False,
    ),
]
ResultsArg = Annotated[Path, typer.Argument(help="Results file written by `mlxguard run`.")]
DirOpt = Annotated[
    Path,
    typer.Option(
        "--dir", "-d", help="Baseline directory (default: baselines).", show_default=False
    ),
]
