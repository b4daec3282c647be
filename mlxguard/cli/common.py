"""Helpers shared by every command module: error handling and output.

Everything a command prints goes through `say()`, the one door to stdout and stderr: no line of
it can start a GitHub Actions workflow command (`safetext.for_log`), whatever names it holds.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from mlxguard.defaults import FailOn
from mlxguard.errors import UsageError
from mlxguard.safetext import clean, for_log

if TYPE_CHECKING:  # the modules themselves are imported when a command runs, not for --help
    from mlxguard.baselines import Baseline
    from mlxguard.config import Config
    from mlxguard.results import Results

P = ParamSpec("P")
R = TypeVar("R")


def interrupted(by: str | None = None) -> typer.Exit:
    """Say `error: interrupted` (by which signal, when known) on stderr; the exit to raise."""
    say(f"error: interrupted{f' by {by}' if by else ''}", err=True)
    return typer.Exit(2)


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Bad input becomes `error: ...` on stderr and exit code 2, never a traceback; so does
    Ctrl-C (`error: interrupted`: typer itself would exit 130 and say nothing)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt as e:  # `run` says more itself: where its partial results are
            raise interrupted(getattr(e, "signal_name", None)) from None
        except UsageError as e:
            say(f"error: {clean(e, None)}", err=True)
            raise typer.Exit(2) from None
        except OSError as e:
            what = f"{e.strerror or e}: {e.filename or ''}".rstrip(": ")
            say(f"error: {clean(what, None)}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def say(text: str, *, err: bool = False, end: str = "\n") -> None:
    """Print `text` and `end` to stdout (stderr with `err`), safe in a GitHub Actions log."""
    stream = sys.stderr if err else sys.stdout
    stream.write(for_log(text + end))
    stream.flush()


def emit(text: str, output: Path | None) -> None:
    """Write `text` to `output` atomically, or to stdout when no path is given."""
    from mlxguard.fsutil import write_atomic

    if output is None:
        say(text, end="")
    else:
        write_atomic(output, text)


def load_run(path: Path, allow_incomplete: bool = False) -> Results:
    """The results file at `path`, refused when its run is incomplete unless allowed.

    Raises:
        UsageError: a bad file, or an interrupted or unfinished run without `allow_incomplete`.
    """
    from mlxguard.results import load_results

    results = load_results(path)
    why = results.run.incomplete
    if why and not allow_incomplete:
        raise UsageError(
            f"'{path}' is an incomplete run ({why}); re-run it, or pass --allow-incomplete "
            "to use what it holds"
        )
    return results


def load_baselines_at(path: Path | None) -> list[Baseline] | None:
    """The baselines at `path` (a directory or one file), or None when none was given."""
    if path is None:
        return None
    from mlxguard.baselines import load_baselines

    return load_baselines(path)


def fail_on_of(flag: FailOn | None, cfg: Config) -> FailOn:
    """What makes the command exit 1: `--fail-on` when given, else `[check] fail_on`.

    The one place the flag and the config meet, for every command that judges.
    """
    return flag or cfg.check.fail_on


def judge(
    results: Results,
    cfg: Config,
    fmt: str,
    report_path: Path | None,
    fail_on: FailOn | None,
    baselines: list[Baseline] | None = None,
    allow_cross_machine: bool = False,
    *,
    stdout: bool = True,
    json_report: Path | None = None,
) -> int:
    """Check, render, print and/or write the report (and the JSON report for `publish`);
    return the exit code."""
    from mlxguard.check.evaluate import evaluate
    from mlxguard.reports import render

    checked = evaluate(results, cfg, baselines, allow_cross_machine=allow_cross_machine)
    text = render(fmt, results, checked)
    if report_path is not None:
        emit(text, report_path)
    if json_report is not None:
        emit(render("json", results, checked), json_report)
    if stdout:
        say(text, end="")
    return checked.exit_code(fail_on_of(fail_on, cfg))
