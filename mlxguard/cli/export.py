"""`mlxguard export`: a results file in another tool's format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import emit, guarded
from mlxguard.cli.options import ExportToOpt, OutputOpt


@guarded
def export(
    results: Annotated[Path, typer.Argument(help="Results file to export.")],
    to: ExportToOpt,
    better: Annotated[
        str,
        typer.Option(
            "--better",
            help="github-action-benchmark only: 'higher' (customBiggerIsBetter, default) or "
            "'lower' (customSmallerIsBetter) metrics.",
        ),
    ] = "higher",
    output: OutputOpt = None,
) -> None:
    """Export a results file in Bencher Metric Format or github-action-benchmark's JSON."""
    from mlxguard.reports import export as render
    from mlxguard.results import load_results

    text = render(load_results(results), to, better=better)
    emit(text, output)
