"""`mlxguard export`: a results file in another tool's format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import emit, guarded, load_run
from mlxguard.cli.options import AllowIncompleteOpt, ExportToOpt, OutputOpt


@guarded
def export(
    results: Annotated[Path, typer.Argument(help="Results file to export.")],
    to: ExportToOpt,
    better: Annotated[
        str | None,
        typer.Option(
            "--better",
            help="github-action-benchmark only: 'higher' (customBiggerIsBetter, default) or "
            "'lower' (customSmallerIsBetter) metrics; refused with any other --to.",
            show_default=False,
        ),
    ] = None,
    output: OutputOpt = None,
    allow_incomplete: AllowIncompleteOpt = False,
) -> None:
    """Export a results file in Bencher Metric Format or github-action-benchmark's JSON."""
    from mlxguard.reports import export as render

    text = render(load_run(results, allow_incomplete), to, better=better)
    emit(text, output)
