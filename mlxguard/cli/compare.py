"""`mlxguard compare`: compare two results files metric by metric."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, load_run
from mlxguard.cli.options import AllowIncompleteOpt, ConfigOpt


@guarded
def compare(
    a: Annotated[Path, typer.Argument(help="Results file A (the reference).")],
    b: Annotated[Path, typer.Argument(help="Results file B (compared with A).")],
    config: ConfigOpt = None,
    allow_incomplete: AllowIncompleteOpt = False,
) -> None:
    """Compare two results files metric by metric, with the regression statistics."""
    from mlxguard.check.baseline import compare_samples, machine_difference
    from mlxguard.config import load_config

    settings = load_config(config).check
    ra, rb = load_run(a, allow_incomplete), load_run(b, allow_incomplete)
    by_key = {x.key: x for x in ra.benchmarks}
    lines, failed = [], False
    if ra.environment.fingerprint != rb.environment.fingerprint:
        lines.append(
            f"note: different machines ({machine_difference(ra.environment, rb.environment)})"
        )
    for y in rb.benchmarks:
        x = by_key.get(y.key)
        if x is None:
            continue
        for name in sorted(x.metrics.keys() & y.metrics.keys()):
            mx, my = x.metrics[name], y.metrics[name]
            if mx.direction == "none" or not mx.samples or not my.samples:
                continue
            c = compare_samples(mx.samples, my.samples, name, settings)
            failed |= c.verdict == "fail"
            lines.append(f"{c.verdict.upper():<12} {y.label} {name}: "
                         f"{c.note}; {c.reason}")  # fmt: skip
    if len(lines) == (1 if lines and lines[0].startswith("note:") else 0):
        lines.append("no benchmark in common")
    typer.echo("\n".join(lines))
    raise typer.Exit(1 if failed else 0)
