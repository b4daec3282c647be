"""Helpers shared by every command module: error handling and output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from mlxguard.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def guarded(func: F) -> F:
    """Bad input becomes `error: ...` on stderr and exit code 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UsageError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(2) from None
        except OSError as e:
            typer.echo(f"error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def emit(text: str, output: Path | None) -> None:
    """Write `text` to `output` atomically, or to stdout when no path is given."""
    from mlxguard.fsutil import write_atomic

    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="Baseline directory or file to compare with (default: none; record one with "
        "`mlxguard baseline update`).",
    ),
]
CrossOpt = Annotated[
    bool,
    typer.Option(
        "--allow-cross-machine",
        help="Compare with a baseline from another machine fingerprint (default: skipped).",
    ),
]


def load_baseline(path: Path | None) -> Any:
    """The baselines at `path` (a directory or one file), or None when none was given."""
    if path is None:
        return None
    from mlxguard.baselines import load_baselines

    return load_baselines(path)


def check_fail_on(fail_on: str | None) -> None:
    if fail_on not in (None, "fail", "inconclusive"):
        raise UsageError(f"--fail-on '{fail_on}' must be 'fail' or 'inconclusive'")
