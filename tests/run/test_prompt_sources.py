"""Each trial's prompt length in the results says where it came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code

from mlxguard.results import Benchmark, Metric


@pytest.mark.slow
@pytest.mark.parametrize(
    ("engine", "source"), [("mlx-lm", "engine"), ("tests.plugins.prompts:IdsEcho", "ids")]
)
def test_results_record_where_each_prompt_length_came_from(
    tmp_path: Path, tiny_model: Path, engine: str, source: str
) -> None:
    out = tmp_path / "r.json"
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--suite", "ttft", "--engine", engine,
        "--samples", "2", "--warmup", "0", "--prompt-tokens", "8", "--max-tokens", "2",
        "-o", str(out), "--quiet",
    )  # fmt: skip
    assert proc.returncode == verdict_code(out), proc.stderr
    for b in json.loads(out.read_text())["benchmarks"]:
        assert b["metrics"]["prompt_tokens"]["samples"] == [8.0, 8.0]
        assert b["prompt_sources"] == [source, source]


def test_sources_that_do_not_match_the_samples_are_refused() -> None:
    metric = Metric.of("prompt_tokens", [8.0, 8.0])
    fields = {"suite": "ttft", "engine": "e", "model": "m", "scenario": "warm"}
    Benchmark(**fields, metrics={"prompt_tokens": metric}, prompt_sources=["ids", "built"])
    with pytest.raises(ValueError, match="1 prompt_sources for 2 prompt_tokens samples"):
        Benchmark(**fields, metrics={"prompt_tokens": metric}, prompt_sources=["ids"])
