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


# --- Reading: every file mlxguard reads goes through one helper -------------------------------


def test_read_input_refuses_what_is_not_a_regular_file_without_blocking(tmp_path: Path) -> None:
    from mlxguard.errors import UsageError
    from mlxguard.fsutil import read_input

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # no writer: a blocking open would wait forever
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # endless: a plain read would exhaust memory
    for path, kind in [(fifo, "a FIFO"), (zero, "a device"), (tmp_path, "a directory")]:
        with pytest.raises(UsageError, match=f"results file '.*' is {kind}"):
            read_input(path, "results file")


def test_read_input_follows_a_link_to_a_regular_file(tmp_path: Path) -> None:
    from mlxguard.fsutil import read_input

    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert read_input(tmp_path / "link.json", "baseline") == "{}"


def test_read_input_caps_the_size(tmp_path: Path) -> None:
    from mlxguard.errors import UsageError
    from mlxguard.fsutil import read_input

    path = tmp_path / "big.json"
    path.write_text("x" * 1001)
    with pytest.raises(UsageError, match=r"baseline '.*big.json' is larger than 1,000 bytes"):
        read_input(path, "baseline", limit=1000)
    assert read_input(path, "baseline", limit=1001) == "x" * 1001


def test_read_input_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    from mlxguard.errors import UsageError
    from mlxguard.fsutil import read_input

    path = tmp_path / "r.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(UsageError, match="not UTF-8 text"):
        read_input(path, "results file")


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deep_documents_are_a_value_error_not_a_recursion_error(depth: int) -> None:
    from mlxguard.fsutil import parse_json, parse_toml

    with pytest.raises(ValueError, match="nested too deep"):
        parse_json("[" * depth + "]" * depth)
    with pytest.raises(ValueError, match="nested too deep"):
        parse_toml("a = " + "[" * depth + "]" * depth)
    with pytest.raises(ValueError, match="non-finite number NaN"):
        parse_json("[NaN]")


# --- Temp files a killed writer left -------------------------------------------------------


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "store.json"
    dead = tmp_path / f".store.json.{_dead_pid()}-abcd1234.tmp"  # its writer is gone
    old = tmp_path / ".store.json.k2j4h5g6.tmp"  # an older version's name, a day old
    live = tmp_path / f".store.json.{os.getppid()}-zzzz9999.tmp"  # a write in progress
    fresh = tmp_path / ".store.json.q1w2e3r4.tmp"  # no pid, recent: maybe in progress
    other = tmp_path / ".notes.txt.k2j4h5g6.tmpx"  # not ours
    for p in (dead, old, live, fresh, other):
        p.write_text("x" * 1000)
    os.utime(old, (1e9, 1e9))
    write_atomic(target, "{}\n")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([target.name, live.name, fresh.name, other.name])


def test_a_temp_file_of_another_target_or_kind_is_left_alone(tmp_path: Path) -> None:
    from mlxguard.fsutil import remove_stale_temps

    other = tmp_path / ".other.json.k2j4h5g6.tmp"
    other.write_text("x")
    link = tmp_path / ".store.json.k2j4h5g7.tmp"
    link.symlink_to(other)
    os.utime(other, (1e9, 1e9))
    os.utime(link, (1e9, 1e9), follow_symlinks=False)
    assert remove_stale_temps(tmp_path, "store.json") == []
    assert remove_stale_temps(tmp_path, "other.json") == [other]


def test_a_killed_model_builds_directory_is_removed_by_the_next_build(tmp_path: Path) -> None:
    """A synthetic model build killed half-way leaves its directory (GBs for the 8B preset)."""
    from mlxguard.models.synthetic import build

    dead = tmp_path / f".m.{_dead_pid()}-abcd1234.tmp"
    old = tmp_path / ".m.tmp-k2j4h5g6"  # an older version's name, a day old
    fresh = tmp_path / ".m.tmp-q1w2e3r4"  # recent: maybe another build in progress
    for d in (dead, old, fresh):
        d.mkdir()
        (d / "model.safetensors").write_bytes(b"x" * 1000)
    os.utime(old, (1e9, 1e9))
    out = build("tiny", tmp_path / "m")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, fresh.name])


def test_read_tail_reads_only_the_end_of_a_log(tmp_path: Path) -> None:
    """A server's log can grow without end: its last lines are read, not the whole file."""
    from mlxguard.fsutil import read_tail

    log = tmp_path / "server.log"
    with log.open("wb") as f:
        f.truncate(64 * 2**20)  # 64 MiB of holes: reading it whole would cost 64 MiB
        f.seek(0, 2)
        f.write(b"last line\n")
    assert read_tail(log, 8192).endswith("last line\n") and len(read_tail(log, 8192)) == 8192
    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)
    assert read_tail(fifo, 8192) == "" and read_tail(tmp_path / "gone.log", 10) == ""


def test_a_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    from mlxguard.fsutil import read_input

    path = tmp_path / "mlxguard.toml"
    path.write_bytes(b"\xef\xbb\xbfsamples = 3\n")  # as some Windows editors save UTF-8
    assert read_input(path, "config file") == "samples = 3\n"
