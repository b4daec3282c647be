"""Errors the CLI turns into a one-line message and exit code 2."""

from typing import Any


class UsageError(Exception):
    """Bad input or usage: the message names the problem and, where possible, the fix."""


class RunInterrupted(UsageError):
    """The run was interrupted: exit 2 like bad input (DESIGN: an interrupted or incomplete
    run), with one line saying where the partial results are."""


def first_problem(error: Any) -> str:
    """The first problem of a pydantic ValidationError, as `where: what` for a one-line message."""
    err = error.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    what = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    what = what.removeprefix("Value error, ")  # our own validators' messages stand alone
    return f"{where}: {what}"
