"""`mlxguard baseline update|show`: record and inspect baselines."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, load_run, say
from mlxguard.cli.options import AllowIncompleteOpt, ConfigOpt, DirOpt, ResultsArg
from mlxguard.defaults import DEFAULT_KEEP, DEFAULT_LOCK_TIMEOUT_S

app = typer.Typer(help="Record and inspect baselines.", no_args_is_help=True)


@app.command("update")
@guarded
def baseline_update(
    results: ResultsArg,
    directory: DirOpt = Path("baselines"),
    keep: Annotated[
        int,
        typer.Option(
            "--keep",
            help=f"Runs kept per baseline, newest first (default: {DEFAULT_KEEP}).",
            show_default=False,
        ),
    ] = DEFAULT_KEEP,
    config: ConfigOpt = None,
    allow_incomplete: AllowIncompleteOpt = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            "--lock-timeout",
            help="Seconds to wait while another process rewrites the directory (default: "
            f"{DEFAULT_LOCK_TIMEOUT_S:g}).",
            show_default=False,
        ),
    ] = DEFAULT_LOCK_TIMEOUT_S,
) -> None:
    """Add a run's gated metrics (each suite's check.gated_metrics) to the baseline of its
    machine, model and engine; writers of one directory take turns."""
    from mlxguard.baselines import update
    from mlxguard.config import load_config
    from mlxguard.errors import UsageError

    if not 0 <= lock_timeout <= 3600:
        raise UsageError(f"--lock-timeout {lock_timeout:g} must be 0 to 3600 seconds")
    cfg = load_config(config)
    loaded = load_run(results, allow_incomplete)
    written = update(loaded, directory, cfg.check.gated_for, keep, lock_timeout_s=lock_timeout)
    for path in written:
        say(f"baseline: {path}")
    if not written:
        say("nothing to record: no successful benchmark has a gated metric", err=True)


@app.command("show")
@guarded
def baseline_show(directory: DirOpt = Path("baselines")) -> None:
    """List the baselines of a directory: machine, model, engine, runs and medians."""
    from mlxguard.baselines import load_baselines
    from mlxguard.metrics import format_value
    from mlxguard.safetext import clean

    lines = []
    for b in load_baselines(directory) if directory.exists() else []:
        latest = b.latest
        sha = f" {latest.git_sha[:7]}" if latest.git_sha else ""
        lines.append(
            clean(
                f"{b.model} · {b.engine} on {b.fingerprint} ({b.environment.chip}): "
                f"{len(b.runs)} run(s) kept (the last {b.keep} are kept), latest{sha} {latest.date}"
            )
        )
        for s in b.series:
            med = format_value(s.metric, statistics.median(s.medians()))
            lines.append(
                "  "
                + clean(
                    f"{s.suite} {s.scenario} {s.metric}: median of run medians {med} "
                    f"({len(s.runs)} run(s), n={sum(r.n for r in s.runs)})"
                )
            )
    say("\n".join(lines) if lines else f"no baselines in '{directory}'")
