"""The command line: one module per command, each a thin door to one stage."""

from mlxguard.cli.app import app, main

__all__ = ["app", "main"]
