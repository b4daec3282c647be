"""`mlxguard model synth` on bad input: one line on stderr, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import assert_usage_error, invoke


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--preset", "llama-99b"], "unknown preset 'llama-99b'"),
        (["--bits", "3"], "--bits 3"),
        (["--seed", "-1"], "--seed -1"),
        (["--seed", str(2**64)], f"--seed {2**64}"),
    ],
)
def test_bad_synth_flags(tmp_path: Path, args: list[str], fragment: str) -> None:
    out = tmp_path / "m"
    assert_usage_error(invoke("model", "synth", "--out", str(out), *args), fragment)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no half-built temp directory either


def test_synth_into_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("x")
    assert_usage_error(invoke("model", "synth", "--out", str(tmp_path / "m")), "not empty")
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["keep.txt"]


def test_synth_under_a_file(tmp_path: Path) -> None:
    # A parent that is a file cannot be created as a directory (an unwritable --out).
    (tmp_path / "f").write_text("x")
    assert_usage_error(
        invoke("model", "synth", "--out", str(tmp_path / "f" / "m")), "cannot write --out"
    )
