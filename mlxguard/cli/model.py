"""`mlxguard model ...`: build and list synthetic models.

MLX is imported only inside the commands that build, so `--help` and `list` stay fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mlxguard.cli.common import guarded, say
from mlxguard.models import synthetic
from mlxguard.reports.table import text_table

app = typer.Typer(help="Build and list synthetic models.")


@app.command("synth")
@guarded
def synth(
    out: Annotated[
        Path,
        typer.Option(help="Directory to create; must not exist or be empty."),
    ],
    preset: Annotated[
        str,
        typer.Option(
            help=f"Preset to build: {', '.join(synthetic.PRESETS)}. Default: tiny.",
            show_default=False,
        ),
    ] = synthetic.DEFAULT_PRESET,
    bits: Annotated[
        int | None,
        typer.Option(
            help="Quantize to 4 or 8 bits as `mlx_lm convert -q` does. Default: none.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option(
            help="Seed of the random weights, 0 to 2**64-1 (same seed, same bytes). Default: 0.",
            show_default=False,
        ),
    ] = 0,
) -> None:
    """Build a synthetic model directory (random weights, real shapes) that mlx_lm.load loads."""
    path = synthetic.build(preset, out, bits=bits, seed=seed)
    info = synthetic.describe(path)
    # The path alone on the first line, so scripts can capture it with `head -1`.
    say(str(path))
    say(f"{info['params']:,} params ({synthetic.format_params(info['params'])})")


@app.command("list")
@guarded
def list_models() -> None:
    """List the presets and the synthetic models built in the cache."""
    for line in _list_lines():
        say(line)


def _list_lines() -> list[str]:
    """The `list` output: a preset table, then the cached builds."""
    rows = [("preset", "params", "description")]
    rows += [
        (p.name, synthetic.format_params(p.published_params), p.description)
        for p in synthetic.PRESETS.values()
    ]
    lines = text_table(rows[0], rows[1:], rule=False)
    models = synthetic.cache_dir() / "models"
    built = sorted(p for p in models.glob("*") if (p / synthetic.MARKER_FILE).exists())
    lines.append("")
    if not built:
        lines.append(f"no cached builds in {models}")
        return lines
    lines.append(f"cached builds in {models}:")
    cached = [("dir", "preset", "bits", "params")]
    for path in built:
        info = synthetic.describe(path)
        params = info["params"]
        cached.append(
            (
                path.name,
                str(info["preset"]),
                "bf16" if info["bits"] is None else str(info["bits"]),
                "?" if params is None else synthetic.format_params(params),
            )
        )
    lines += text_table(cached[0], cached[1:], rule=False)
    return lines
