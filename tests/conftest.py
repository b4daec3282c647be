"""Shared fixtures: one real synthetic model per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path to the tiny synthetic model (seed 0, bfloat16), built once per session."""
    from mlxguard.models.synthetic import build

    return build("tiny", tmp_path_factory.mktemp("models") / "tiny")


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep every test (and every CLI it starts) out of the user's ~/.cache."""
    import os

    os.environ["MLXGUARD_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def small_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `mlxguard run` of ttft + throughput on the tiny model, kept small."""
    out = tmp_path_factory.mktemp("run") / "results.json"
    proc = mlxguard(
        "run",
        "--model",
        str(tiny_model),
        "--suite",
        "ttft,throughput",
        "--samples",
        "2",
        "--warmup",
        "1",
        "--max-tokens",
        "6",
        "--prompt-tokens",
        "16",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def results_file(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run of the ttft suite on the tiny model (tiny sizes: the figures don't matter)."""
    out = tmp_path_factory.mktemp("run") / "results.json"
    proc = mlxguard(
        *("run", "--model", str(tiny_model), "--suite", "ttft", "--samples", "2", "--warmup", "0"),
        *("--max-tokens", "4", "--quiet", "-o", str(out)),
    )
    assert proc.returncode == verdict_code(out), proc.stderr
    return out


@pytest.fixture
def ipc_engine():
    """Make ipc engines (`ipc_engine(codec, **options)`); every one is closed after the test."""
    from mlxguard.engines.ipc_engine import IpcEngine

    made: list[IpcEngine] = []

    def make(codec: str = "msgpack", **kw) -> IpcEngine:
        made.append(IpcEngine(codec, **kw))
        return made[-1]

    yield make
    for e in made:
        e.close()


@pytest.fixture(scope="session")
def second_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a new virtualenv without mlxguard that sees this one's libraries only.

    Installing mlx into it would take minutes; a `.pth` line adding this environment's
    site-packages gives it the libraries (mlx, mlx-lm, msgpack), while mlxguard (an editable
    install, itself a `.pth` file, which is not processed from a directory added this way) stays
    unimportable there. What this proves: the worker runs under another interpreter path, with
    another sys.prefix, without mlxguard installed; not that it copes with other library versions.
    """
    import subprocess
    import sys
    import sysconfig

    where = tmp_path_factory.mktemp("second-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(site, "parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python
