"""The mlx-engine engine: a clear refusal when absent, real generation where it is importable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.engines import resolve_engine, resolve_reference
from mlxguard.engines.mlx_engine_engine import INSTALL_HINT
from mlxguard.errors import UsageError
from mlxguard.run.timing import Request, generate, metrics_of


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
