"""Commands `baseline update|show`, `compare`, `merge` and `export`."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import emit, guarded

DirOpt = Annotated[
    Path, typer.Option("--dir", "-d", help="Baseline directory (default: baselines).")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (default: found as for `run`).",
                 dir_okay=False),
]  # fmt: skip
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write here instead of stdout.", dir_okay=False),
]

baseline_app = typer.Typer(help="Record and inspect baselines.", no_args_is_help=True)


@baseline_app.command("update")
@guarded
def baseline_update(
    results: Annotated[Path, typer.Argument(help="Results file written by `mlxguard run`.")],
    directory: DirOpt = Path("baselines"),
    keep: Annotated[
        int, typer.Option("--keep", help="Runs kept per baseline, newest first (default: 5).")
    ] = 5,
    config: ConfigOpt = None,
) -> None:
    """Add a run's gated metrics to the baseline of its machine, model and engine."""
    from mlxguard.baselines import update
    from mlxguard.config import load_config
    from mlxguard.results import load_results

    cfg = load_config(config)
    written = update(load_results(results), directory, cfg.check.all_gated(), keep)
    for path in written:
        typer.echo(f"baseline: {path}")
    if not written:
        typer.echo("no successful benchmark to record", err=True)


@baseline_app.command("show")
@guarded
def baseline_show(directory: DirOpt = Path("baselines")) -> None:
    """List the baselines of a directory: machine, model, engine, runs and medians."""
    from mlxguard.baselines import load_baselines
    from mlxguard.metrics import format_value

    lines = []
    for b in load_baselines(directory) if directory.exists() else []:
        latest = b.latest
        sha = f" {latest.git_sha[:7]}" if latest.git_sha else ""
        lines.append(
            f"{b.model} · {b.engine} on {b.fingerprint} ({b.environment.chip}): "
            f"{len(b.runs)}/{b.keep} runs, latest{sha} {latest.date}"
        )
        for s in b.series:
            med = format_value(s.metric, statistics.median(s.samples))
            lines.append(f"  {s.suite} {s.scenario} {s.metric}: median {med} (n={len(s.samples)})")
    typer.echo("\n".join(lines) if lines else f"no baselines in '{directory}'")


@guarded
def compare(
    a: Annotated[Path, typer.Argument(help="Results file A (the reference).")],
    b: Annotated[Path, typer.Argument(help="Results file B (compared with A).")],
    config: ConfigOpt = None,
) -> None:
    """Compare two results files metric by metric, with the regression statistics."""
    from mlxguard.check.baseline import compare_samples, machine_difference
    from mlxguard.config import load_config
    from mlxguard.results import load_results

    settings = load_config(config).check
    ra, rb = load_results(a), load_results(b)
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
            lines.append(f"{c.verdict.upper():<12} {y.suite} {y.scenario} · {y.engine} {name}: "
                         f"{c.note}; {c.reason}")  # fmt: skip
    if len(lines) == (1 if lines and lines[0].startswith("note:") else 0):
        lines.append("no benchmark in common")
    typer.echo("\n".join(lines))
    raise typer.Exit(1 if failed else 0)


@guarded
def merge(
    shards: Annotated[list[Path], typer.Argument(help="Results files (shards) to join.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Merged results file to write.", dir_okay=False)
    ],
) -> None:
    """Join the results of a matrix of runners into one results file."""
    from mlxguard.merge import merge as join
    from mlxguard.results import load_results, write_results

    merged = join([(f"'{p}'", load_results(p)) for p in shards])
    write_results(merged, output)
    typer.echo(f"merged {len(shards)} shard(s), {len(merged.benchmarks)} benchmarks: {output}")


@guarded
def export(
    results: Annotated[Path, typer.Argument(help="Results file to export.")],
    to: Annotated[str, typer.Option("--to", help="bencher or github-action-benchmark.")],
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
    from mlxguard.reports.exports import export as render
    from mlxguard.results import load_results

    text = render(load_results(results), to, better=better)
    emit(text, output)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(baseline_app, name="baseline")
    app.command("compare")(compare)
    app.command("merge")(merge)
    app.command("export")(export)
