"""`python -m mlxguard` runs the CLI."""

from mlxguard.cli.app import main

main()
