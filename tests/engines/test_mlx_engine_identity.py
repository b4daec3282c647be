"""Which mlx-engine was measured: its distribution version, its checkout's commit, mlx-vlm."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mlxguard.engines.mlx_engine_engine import source_commit, versions


def _git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}  # fmt: skip
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A git checkout holding an `mlx_engine` package, as a clone of mlx-engine is."""
    root = tmp_path / "mlx-engine"
    (root / "mlx_engine").mkdir(parents=True)
    (root / "mlx_engine" / "__init__.py").write_text("")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "one")
    return root


def test_the_commit_of_a_checkout_from_its_git_files(checkout: Path, tmp_path: Path) -> None:
    head = _git(checkout, "rev-parse", "HEAD")
    assert source_commit(checkout) == head  # a loose ref
    _git(checkout, "pack-refs", "--all")
    assert source_commit(checkout) == head  # a packed ref
    _git(checkout, "checkout", "-q", "--detach")
    assert source_commit(checkout) == head  # a detached HEAD
    _git(checkout, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "other")
    assert source_commit(tmp_path / "wt") == head  # a linked worktree
    assert source_commit(checkout / "mlx_engine") is None  # not the top of a checkout
    assert source_commit(tmp_path) is None


def test_versions_name_the_checkout_mlx_engine_runs_from(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(checkout))
    monkeypatch.delitem(sys.modules, "mlx_engine", raising=False)
    got = versions()
    assert got["mlx-engine-commit"] == _git(checkout, "rev-parse", "HEAD")
    assert got["mlx-engine"] is None  # a clone is no distribution
    assert set(got) == {"mlx-engine", "mlx-engine-commit", "mlx-vlm"}
