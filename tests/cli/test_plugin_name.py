"""A plugin's own `name` is what results and reports show; its spec is recorded beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard, verdict_code

from mlxguard.results import load_results

REPO = Path(__file__).resolve().parents[2]
ENV = {"PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}


def _run(tmp_path: Path, tiny_model: Path, *args: str) -> Path:
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--samples", "1", "--warmup", "0",
        "--max-tokens", "2", "--prompt-tokens", "8", "-o", str(out), *args, env=ENV,
    )  # fmt: skip
    assert proc.returncode == verdict_code(out), proc.stderr
    return out


@pytest.mark.slow
def test_factory_function_plugin_is_named(tiny_model: Path, tmp_path: Path) -> None:
    out = _run(tmp_path, tiny_model, "--suite", "ttft", "--engine", "plugins.prompts:make_echo")
    results = load_results(out)
    assert {b.engine for b in results.benchmarks} == {"ids-echo"}
    assert {b.engine_spec for b in results.benchmarks} == {"plugins.prompts:make_echo"}
    shown = invoke("check", str(out)).stdout
    assert "ids-echo" in shown and "make_echo" not in shown


@pytest.mark.slow
def test_compare_roles_keep_the_name(tiny_model: Path, tmp_path: Path) -> None:
    out = _run(
        tmp_path, tiny_model, "--suite", "compare", "--candidate", "plugins.prompts:make_echo",
        "--reference", "mlx-lm",
    )  # fmt: skip
    results = load_results(out)
    cand = next(b for b in results.benchmarks if b.engine.startswith("candidate:"))
    assert cand.engine == "candidate:ids-echo"
    assert cand.engine_spec == "plugins.prompts:make_echo"
    assert cand.reference is not None and cand.reference.engine == "reference:mlx-lm"
