"""Shared fixtures: one real synthetic model per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path to the tiny synthetic model (seed 0, bfloat16), built once per session."""
    from mlxguard.synthetic import build

    return build("tiny", tmp_path_factory.mktemp("models") / "tiny")
