"""Files mlxguard writes get the permissions the user's umask gives, like any other tool's."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlxguard.fsutil import write_atomic


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomic_follows_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "results.json"
    write_atomic(path, "{}\n")
    assert _mode(path) == 0o666 & ~umask
    write_atomic(path, "{}\n")  # replacing keeps to the umask too
    assert _mode(path) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_synthetic_model_follows_the_umask(tmp_path: Path, umask: int) -> None:
    from mlxguard.models.synthetic import build

    out = build("tiny", tmp_path / "m")
    assert _mode(out) == 0o777 & ~umask
    assert {_mode(f) for f in out.iterdir()} == {0o666 & ~umask}


def test_an_unwritable_path_is_named_not_its_temp_file(tmp_path: Path) -> None:
    from mlxguard.errors import UsageError
    from mlxguard.fsutil import check_writable

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = blocker / "results.json"  # its directory is a file: nothing can be created there
    for attempt in (check_writable, lambda p: write_atomic(p, "{}")):
        with pytest.raises(UsageError, match=r"^cannot write '.*a-file/results\.json': "):
            attempt(target)
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]
