"""The command line: the root app, joined from one module per command.

Each command imports its machinery lazily, so `--help` never loads MLX, numpy or scipy.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mlxguard import __version__
from mlxguard.cli import (
    baseline,
    check,
    compare,
    dashboard,
    export,
    merge,
    model,
    publish,
    run,
    schema,
)
from mlxguard.cli.common import interrupted, say

# What typer (0.29 on) ends a KeyboardInterrupt with, silently: `guarded` catches Ctrl-C inside a
# command first; this is for the rest (DESIGN.md: an interrupted command exits 2).
INTERRUPT_EXIT = 130

app = typer.Typer(
    help="mlxguard: a performance regression guard for MLX LLM inference.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # help texts quote [tool.mlxguard] and globs literally
)

# The order of `--help`.
app.command("run")(run.run)
app.command("check")(check.check)
app.command("schema")(schema.schema)
app.add_typer(model.app, name="model")
app.add_typer(baseline.app, name="baseline")
app.command("compare")(compare.compare)
app.command("merge")(merge.merge)
app.command("export")(export.export)
app.command("dashboard")(dashboard.dashboard)
app.command("publish")(publish.publish)


def _version(value: bool) -> None:
    if value:
        say(f"mlxguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """mlxguard: a performance regression guard for MLX LLM inference."""


def main() -> None:
    """Console-script entry point: usage errors are one line on stderr and exit code 2."""
    from typer.exceptions import TyperException

    from mlxguard.safetext import clean

    try:
        code = app(standalone_mode=False)
    except TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(e.format_message() + "\n")
        else:
            say(f"error: {clean(e.format_message(), None)}", err=True)
        sys.exit(e.exit_code)
    except typer.Abort:  # end of input at a prompt (and Ctrl-C, before typer 0.29)
        sys.exit(interrupted().exit_code)
    if code == INTERRUPT_EXIT:  # Ctrl-C outside a command (parsing the line), as typer ends it
        sys.exit(interrupted().exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
