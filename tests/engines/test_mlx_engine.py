"""The mlx-engine engine: a clear refusal when absent, real generation where it is importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.engines import resolve_engine, resolve_reference
from mlxguard.engines.mlx_engine_engine import INSTALL_HINT
from mlxguard.errors import UsageError
from mlxguard.results import load_results
from mlxguard.run.prompts import PromptFactory
from mlxguard.run.timing import Generation, Request, generate, metrics_of


@pytest.fixture
def no_mlx_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `mlx_engine` unimportable, whether or not it is installed here."""
    monkeypatch.setitem(sys.modules, "mlx_engine", None)


def test_absent_mlx_engine_is_a_usage_error_naming_the_fix(no_mlx_engine: None) -> None:
    with pytest.raises(UsageError) as err:
        resolve_engine("mlx-engine")
    assert str(err.value) == INSTALL_HINT
    assert "github.com/lmstudio-ai/mlx-engine" in INSTALL_HINT


def test_run_refuses_before_loading_any_model(no_mlx_engine: None, tmp_path: Path) -> None:
    missing_model = tmp_path / "never-loaded"
    result = CliRunner().invoke(
        app, ["run", "--engine", "mlx-engine", "--model", str(missing_model), "--quiet"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {INSTALL_HINT}"]


def test_reference_auto_falls_back_to_mlx_lm(no_mlx_engine: None) -> None:
    assert resolve_reference("auto") == (
        "mlx-lm",
        "reference auto: mlx-lm (mlx_engine is not installed)",
    )
    assert resolve_reference("mlx-lm") == ("mlx-lm", None)


def test_mlx_engine_generates_when_installed(tiny_model: Path) -> None:
    pytest.importorskip("mlx_engine")
    assert resolve_reference("auto")[0] == "mlx-engine"
    engine = resolve_engine("mlx-engine")()
    engine.load(str(tiny_model))
    try:
        rec = generate(
            engine, Request("the model reads a prompt", max_tokens=6, temperature=0, seed=0)
        )
    finally:
        engine.close()
    assert rec.error is None, rec.error
    assert len(rec.tokens) == 6  # EOS ignored: every trial does the same work
    assert all(isinstance(t, int) for t in rec.tokens)
    assert metrics_of(rec)["ttft_ms"][0] > 0


def test_mlx_engine_gets_the_same_ids_as_mlx_lm_and_no_cached_prefix(tiny_model: Path) -> None:
    pytest.importorskip("mlx_engine")
    prompts = PromptFactory(tiny_model, seed=0)
    requests = [
        Request(p.text, 6, seed=0, prompt_ids=p.ids, prompt_tokens=p.tokens)
        for p in (prompts.make(16, k) for k in range(3))
    ]
    got: dict[str, list[Generation]] = {}
    for spec in ("mlx-lm", "mlx-engine"):
        engine = resolve_engine(spec)()
        engine.load(str(tiny_model))
        try:
            got[spec] = [generate(engine, r) for r in requests]
        finally:
            engine.close()
    for lm, me in zip(got["mlx-lm"], got["mlx-engine"], strict=True):
        assert me.error is None, me.error
        assert (me.prompt_tokens, me.prompt_source) == (lm.prompt_tokens, lm.prompt_source)
        assert (me.prompt_tokens, me.prompt_source) == (16, "engine")
        assert me.tokens == lm.tokens  # greedy: the same ids give the same answer
        # Every prompt starts with BOS; the emptied cache lets no request reuse it.
        assert me.usage == {"prompt_tokens": 16, "cached_tokens": 0}


def test_a_compare_against_mlx_engine_is_fair_and_quiet(tmp_path: Path, tiny_model: Path) -> None:
    pytest.importorskip("mlx_engine")
    out = tmp_path / "results.json"
    proc = mlxguard(
        "run", "--suite", "compare", "--candidate", "mlx-lm", "--reference", "mlx-engine",
        "--model", str(tiny_model), "--samples", "3", "--prompt-tokens", "16", "--max-tokens", "6",
        "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == verdict_code(out), proc.stderr
    results = load_results(out)
    cand, ref = results.benchmarks
    assert cand.parity is not None and cand.parity.prompt_mismatches == []
    assert cand.parity.identical == cand.parity.total == 3
    assert cand.metrics["prompt_tokens"].samples == ref.metrics["prompt_tokens"].samples == [16] * 3
    log = out.with_suffix(".log").read_text()
    assert "Prompt cache: using 0/16 tokens from cache" in log
    assert "Prompt cache" not in proc.stdout + proc.stderr
