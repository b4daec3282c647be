"""`mlxguard merge`: join the shards of a runner matrix into one results file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, say


@guarded
def merge(
    shards: Annotated[list[Path], typer.Argument(help="Results files (shards) to join.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Merged results file to write.", dir_okay=False)
    ],
) -> None:
    """Join the results of a matrix of runners into one results file."""
    from mlxguard.merge import merge as join
    from mlxguard.results import load_results, write_results

    merged = join([(f"'{p}'", load_results(p)) for p in shards])
    write_results(merged, output)
    say(f"merged {len(shards)} shard(s), {len(merged.benchmarks)} benchmarks: {output}")
