"""`python -m mlxguard` runs the CLI."""

from mlxguard.cli import main

main()
