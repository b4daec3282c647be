"""`mlxguard dashboard`: the history of the baselines as one static page."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, load_run, say
from mlxguard.cli.options import AllowIncompleteOpt, ConfigOpt, DirOpt
from mlxguard.errors import UsageError


def _default_repo_url() -> str | None:
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    return f"{server.rstrip('/')}/{repo}" if server and repo else None


@guarded
def dashboard(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Directory to write index.html into.", file_okay=False),
    ],
    directory: DirOpt = Path("baselines"),
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="Results files to add as the newest runs, in memory "
            "(repeatable; default: none; the baselines are not changed).",
            show_default=False,
        ),
    ] = None,
    repo_url: Annotated[
        str | None,
        typer.Option(
            "--repo-url",
            help="https address of the repository, to link each point "
            "to its commit (default: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY, else no "
            "links).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOpt = None,
    allow_incomplete: AllowIncompleteOpt = False,
) -> None:
    """Write a static history page (index.html) of the baselines: run medians, bands,
    change points and each run's commit, per machine, model and engine."""
    from mlxguard.baselines import load_baselines, with_results
    from mlxguard.config import load_config
    from mlxguard.defaults import DEFAULT_KEEP
    from mlxguard.fsutil import write_atomic
    from mlxguard.reports.dashboard import Page, check_repo_url, render
    from mlxguard.reports.load_curve import svg as load_svg

    try:
        url = check_repo_url(repo_url or _default_repo_url())
    except ValueError as e:
        raise UsageError(f"--repo-url: {e}") from None
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output '{output}' is a file; give a directory")
    cfg = load_config(config)
    baselines = load_baselines(directory) if directory.exists() else []
    runs = [load_run(path, allow_incomplete) for path in results or []]
    for run in runs:
        baselines = with_results(baselines, run, cfg.check.gated_for, DEFAULT_KEEP)
    if not baselines:
        say(f"no baselines in '{directory}' and no --results: the page says so", err=True)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = Page(
        repo_url=url,
        alpha=cfg.check.alpha,
        between_run_cv=cfg.check.between_run_cv,
        tolerances=tuple(
            (m, cfg.check.tolerance_for(m))
            for m in sorted({s.metric for b in baselines for s in b.series})
        ),
        tolerance=cfg.check.tolerance,
        generated=generated,
        load_curves=tuple(image for run in runs if (image := load_svg(run)) is not None),
    )
    html = render(baselines, page)
    output.mkdir(parents=True, exist_ok=True)
    write_atomic(output / "index.html", html)
    say(f"dashboard: {output / 'index.html'}")
