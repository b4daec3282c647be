"""docs/engines.md's mlx-engine recipe: registry packages only, in a virtualenv of its own,
measured through an engine definition. The end-to-end test needs that environment, made as the
recipe says; it is skipped unless MLXGUARD_MLX_ENGINE_DIR (the clone) and
MLXGUARD_MLX_ENGINE_PYTHON (the environment's interpreter) name one."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code

from mlxguard.engines.mlx_engine_engine import source_commit

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "docs" / "mlx-engine-requirements.txt"


def _requirements() -> list[str]:
    lines = REQUIREMENTS.read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_the_recipe_installs_from_package_registries_alone() -> None:
    reqs = _requirements()
    assert reqs and not [r for r in reqs if "@" in r or "://" in r or "git+" in r]
    names = {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in reqs}
    assert "mlx-metal" not in names  # macOS only: mlx brings it there
    assert "typer" not in names  # mlx-engine's typer==0.27.1 pin breaks mlxguard
    assert {"mlx-lm", "mlx-vlm", "outlines", "torch", "msgpack"} <= names
    doc = (ROOT / "docs" / "engines.md").read_text()
    assert "pip install -r docs/mlx-engine-requirements.txt" in doc


@pytest.mark.slow
def test_the_recipe_runs_mlx_engine_in_its_own_environment(
    tmp_path: Path, tiny_model: Path
) -> None:
    clone = os.environ.get("MLXGUARD_MLX_ENGINE_DIR")
    python = os.environ.get("MLXGUARD_MLX_ENGINE_PYTHON")
    if not (clone and python):
        pytest.skip("set MLXGUARD_MLX_ENGINE_DIR and MLXGUARD_MLX_ENGINE_PYTHON to run the recipe")
    config = tmp_path / "mlxguard.toml"
    config.write_text(
        f'[engines.lmstudio]\nspec = "mlx-engine"\npython = "{python}"\ncwd = "{clone}"\n'
    )
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--config", str(config), "--suite", "compare", "--candidate", "mlx-lm",
        "--reference", "lmstudio", "--model", str(tiny_model), "--samples", "3",
        "--warmup", "1", "--prompt-tokens", "16", "--max-tokens", "4", "-o", str(out),
        "--quiet",
    )  # fmt: skip
    assert proc.returncode == verdict_code(out, "--config", str(config)), proc.stderr
    benchmarks = {b["engine"]: b for b in json.loads(out.read_text())["benchmarks"]}
    ref, cand = benchmarks["reference:lmstudio"], benchmarks["candidate:mlx-lm"]
    assert ref["successes"] == ref["trials"] == 3
    versions = ref["engine_environment"]["versions"]
    assert versions["mlx-engine-commit"] == source_commit(Path(clone))
    assert versions["mlx-vlm"] and versions["mlx-lm"] and versions["mlx"]
    assert ref["engine_environment"]["worker"]["executable"] == python
    assert ref["prompt_sources"] == ["engine"] * 3 and cand["prompt_sources"] == ["engine"] * 3
    assert ref["metrics"]["prompt_tokens"]["samples"] == [16.0] * 3
    assert cand["parity"]["identical"] == cand["parity"]["total"] == 3
