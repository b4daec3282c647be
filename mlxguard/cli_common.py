"""Helpers shared by every command module: error handling and output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
