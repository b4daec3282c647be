"""`mlxguard publish`: check a results file and report it to GitHub."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import fail_on_of, guarded, load_baselines_at, load_run
from mlxguard.cli.options import (
    AllowIncompleteOpt,
    BaselineOpt,
    ConfigOpt,
    CrossOpt,
    FailOnOpt,
    ResultsArg,
)
from mlxguard.errors import UsageError

# A user or app login: letters, digits, hyphens, and the `[bot]` suffix of apps.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


@guarded
def publish(
    results: ResultsArg,
    config: ConfigOpt = None,
    baseline: BaselineOpt = None,
    allow_cross_machine: CrossOpt = False,
    pr: Annotated[
        int | None,
        typer.Option(
            "--pr",
            help="Pull request number (default: from the event payload). In a workflow_run "
            "event it is checked against the measured commit before commenting.",
            show_default=False,
        ),
    ] = None,
    sha: Annotated[
        str | None,
        typer.Option(
            "--sha",
            help="Commit for the status (default: the PR's head sha, else GITHUB_SHA).",
            show_default=False,
        ),
    ] = None,
    context: Annotated[
        str,
        typer.Option(
            "--context",
            help="Commit status context, also keys the sticky comment (default: mlxguard).",
            show_default=False,
        ),
    ] = "mlxguard",
    comment: Annotated[
        bool,
        typer.Option(
            "--comment/--no-comment",
            help="Post the sticky PR comment (default: on).",
            show_default=False,
        ),
    ] = True,
    status: Annotated[
        bool,
        typer.Option(
            "--status/--no-status", help="Set the commit status (default: on).", show_default=False
        ),
    ] = True,
    fail_on: FailOnOpt = None,
    artifact: Annotated[
        str,
        typer.Option(
            "--artifact",
            help="Artifact name a trimmed comment points to (default: mlxguard-results).",
            show_default=False,
        ),
    ] = "mlxguard-results",
    comment_author: Annotated[
        str | None,
        typer.Option(
            "--comment-author",
            help="Login that writes the sticky comment; only its comments are ours (default: "
            "asked of GET /user, else github-actions[bot], the writer for GITHUB_TOKEN).",
            show_default=False,
        ),
    ] = None,
    deadline: Annotated[
        float,
        typer.Option(
            "--deadline",
            help="Seconds for all requests to GitHub together; then publishing stops with a "
            "warning and the check's exit code (default: 60).",
            show_default=False,
        ),
    ] = 60.0,
    allow_incomplete: AllowIncompleteOpt = False,
    check_report: Annotated[
        Path | None,
        typer.Option(
            "--check-report",
            help="The check's JSON report of RESULTS (`mlxguard check RESULTS --json-report "
            "PATH`), published as it is, with no second evaluation (default: RESULTS is "
            "checked here, as `mlxguard check` does).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check RESULTS as `mlxguard check` does (or take the check's report), then report to
    GitHub (job summary, outputs, annotations, sticky PR comment, commit status). Exits with the
    check's code: 0 pass, 1 fail, 2 bad input; a reporting failure is a warning and never
    changes it. Token: GITHUB_TOKEN."""
    from mlxguard.config import load_config
    from mlxguard.github.publish import Options, Publisher

    if check_report is not None and (baseline is not None or allow_cross_machine):
        raise UsageError(
            "--check-report holds the check's verdicts already: give --baseline and "
            "--allow-cross-machine to the `mlxguard check` that wrote it"
        )
    if not context.strip() or len(context) > 100:
        raise UsageError(f"--context '{context}' must be 1 to 100 characters")
    if not 0 < deadline <= 3600:
        raise UsageError(f"--deadline {deadline:g} must be more than 0 and at most 3600 seconds")
    if comment_author is not None and not _LOGIN.fullmatch(comment_author):
        raise UsageError(f"--comment-author '{comment_author}' is not a GitHub login")
    cfg = load_config(config)
    loaded = load_run(results, allow_incomplete)
    options = Options(
        context=context,
        comment=comment,
        status=status,
        fail_on=fail_on_of(fail_on, cfg),
        pr=pr,
        sha=sha,
        gated=tuple(cfg.check.all_gated()),
        artifact=artifact,
        comment_author=comment_author,
        deadline_s=deadline,
    )
    if check_report is not None:
        from mlxguard.fsutil import MAX_RESULTS_BYTES, read_input
        from mlxguard.reports.json import parse

        text = read_input(check_report, "check report", MAX_RESULTS_BYTES)
        report = parse(text, f"'{check_report}'", loaded)
    else:
        from mlxguard.check.evaluate import evaluate

        report = evaluate(
            loaded, cfg, load_baselines_at(baseline), allow_cross_machine=allow_cross_machine
        )
    raise typer.Exit(Publisher(dict(os.environ), options).publish(loaded, report))
