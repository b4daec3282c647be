"""Errors the CLI turns into a one-line message and exit code 2."""


class UsageError(Exception):
    """Bad input or usage: the message names the problem and, where possible, the fix."""
