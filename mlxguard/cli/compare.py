"""`mlxguard compare`: compare two results files metric by metric."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlxguard.cli.common import guarded, load_run
from mlxguard.cli.options import AllowIncompleteOpt, ConfigOpt
from mlxguard.errors import UsageError

if TYPE_CHECKING:
    from mlxguard.results import Metric


@guarded
def compare(
    a: Annotated[Path, typer.Argument(help="Results file A (the reference).")],
    b: Annotated[Path, typer.Argument(help="Results file B (compared with A).")],
    config: ConfigOpt = None,
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
    """Compare two results files metric by metric, with the regression statistics.

    Per-token metrics (itl_ms: one sample per gap, pooled over requests) are shown, never
    tested: their samples are not independent.
    """
    from mlxguard.check.baseline import compare_samples, machine_difference
    from mlxguard.config import load_config
    from mlxguard.metrics import spec

    settings = load_config(config).check
    ra, rb = load_run(a, allow_incomplete), load_run(b, allow_incomplete)
    by_key = {x.key: x for x in ra.benchmarks}
    lines, failed, compared = [], False, False
    if ra.environment.fingerprint != rb.environment.fingerprint:
        lines.append(
            f"note: different machines ({machine_difference(ra.environment, rb.environment)})"
        )
    for y in rb.benchmarks:
        x = by_key.get(y.key)
        if x is None:
            continue
        compared = True
        gated = settings.gated_for(y.suite)
        for name in sorted(x.metrics.keys() & y.metrics.keys()):
            mx, my = x.metrics[name], y.metrics[name]
            if mx.direction == "none" or not mx.samples or not my.samples:
                continue
            if spec(name).pooled:
                lines.append(f"{'DESCRIPTIVE':<12} {y.label} {name}: {_descriptive(name, mx, my)}")
                continue
            if not all_metrics and name not in gated:
                continue
            c = compare_samples(mx, my, name, settings)
            failed |= c.verdict == "fail"
            lines.append(f"{c.verdict.upper():<12} {y.label} {name}: "
                         f"{c.note}; {c.reason}")  # fmt: skip
    if not compared:
        # Nothing was compared: exit 0 would read as "no regression".
        raise UsageError(
            f"'{a}' and '{b}' have no benchmark in common (same suite, engine, model and "
            "scenario); compare runs of the same suites and engines"
        )
    typer.echo("\n".join(lines))
    raise typer.Exit(1 if failed else 0)


def _descriptive(name: str, a: Metric, b: Metric) -> str:
    """Medians and their ratio, said to be no test."""
    from mlxguard.metrics import format_value

    ma, mb = a.summary.median, b.summary.median
    ratio = f" ({mb / ma:.3g}×)" if ma and mb is not None else ""
    return (
        f"median {format_value(name, ma)} → {format_value(name, mb)}{ratio}; one sample per "
        "token gap, pooled over requests: not independent, so never tested"
    )
