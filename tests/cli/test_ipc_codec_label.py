"""`--engine ipc --codec json` is measured and recorded as `ipc:json`, never as plain `ipc`."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard, verdict_code

from mlxguard.results import load_results


@pytest.mark.slow
def test_json_codec_is_in_the_benchmark_key(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--engine", "ipc", "--codec", "json",
        "--suite", "ttft", "--samples", "1", "--warmup", "0", "--max-tokens", "2",
        "--prompt-tokens", "8", "--processes", "1", "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == verdict_code(out), proc.stderr
    results = load_results(out)
    assert {b.engine for b in results.benchmarks} == {"ipc:json"}
    assert {b.engine_spec for b in results.benchmarks} == {"ipc:json"}
    warm = next(b for b in results.benchmarks if b.scenario == "warm")
    assert warm.engine_environment is not None
    assert warm.engine_environment.settings["codec"] == "json"
    assert "ipc:json" in invoke("check", str(out)).stdout
