"""Files in and out: every file mlxguard reads goes through `read_input` (regular files only,
with a size cap), every JSON document through `parse_json`, and every file it writes through
`write_atomic` (a reader sees the old file or the new one, never half of either); and a
directory lock (`locked`), so that writers that read, change and rewrite a directory take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final

from mlxguard.errors import UsageError

MiB: Final = 1 << 20
# The largest file of each kind mlxguard reads; a larger one is refused unread. Generous for
# what mlxguard writes (300,000 samples with their processes and rounds take 14 MB; a baseline keeps
# at most 100 run summaries per metric), small enough that a bogus file cannot exhaust memory.
MAX_RESULTS_BYTES: Final = 256 * MiB
MAX_BASELINE_BYTES: Final = 16 * MiB
MAX_CONFIG_BYTES: Final = 1 * MiB
MAX_EVENT_BYTES: Final = 32 * MiB  # GitHub caps webhook payloads at 25 MB
# A temp file left by a killed writer is removed by the next write beside it once its writer
# is gone, or, when that cannot be told (another machine, an older mlxguard), after this long.
STALE_TEMP_S: Final = 3600.0


def umask() -> int:
    """The process's umask (reading it means setting it: it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode(directory: bool = False) -> int:
    """The mode `open()` or `mkdir()` would give a new file (directory) under the umask.

    Temp files and directories are created private (0600, 0700); what mlxguard renames into
    place gets this mode instead, as any other tool's output would.
    """
    return (0o777 if directory else 0o666) & ~umask()


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temp file in the same directory and a rename.

    The file gets the mode the user's umask gives (usually 0644), not the temp file's 0600.

    Raises:
        UsageError: `path` cannot be written, naming it (not the temp file).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise _unwritable(path, e) from None
    try:
        os.fchmod(fd, default_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _unwritable(path, e) from None
        raise


def _unwritable(path: Path, e: OSError) -> UsageError:
    return UsageError(f"cannot write '{path}': {e.strerror or e}")


def check_writable(path: Path) -> None:
    """Fail early (before any benchmark) when `path` cannot be written.

    A temp file is created and removed beside it: permission bits alone do not tell (root may
    write anywhere they allow, yet not in /proc or on a read-only file system).

    Raises:
        UsageError: `path` is a directory, or its directory cannot be created or written.
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"output path '{path}' is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent):
            pass
    except OSError as e:
        raise _unwritable(path, e) from None


def temp_prefix(name: str) -> str:
    """The start of the name of a temp file (or directory) that becomes `name`: with the
    writer's pid in it, so a later write can tell a dead writer's leftover (suffix: `.tmp`)."""
    return f".{name}.{os.getpid()}-"


# `.NAME.PID-XXXXXXXX.tmp` (`temp_prefix`), or as older versions named them, `.NAME.XXXXXXXX.tmp`
# (a file) and `.NAME.tmp-XXXXXXXX` (a synthetic model's build): mkstemp and mkdtemp add eight
# random characters.
_TEMP = re.compile(r"\.(?P<name>.+)\.(?:(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp|tmp-[a-z0-9_]{8})")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


def remove_stale_temps(directory: Path, name: str | re.Pattern[str]) -> list[Path]:
    """Remove the temp files (and build directories) a killed writer left in `directory` for
    target `name` (a file name, or a pattern of names); return what was removed.

    Only regular files and directories (never what a link points to) named by `temp_prefix`
    are touched, and only once stale: their writer's pid (in the name) is gone, or they are
    older than `STALE_TEMP_S`. A write in progress (its writer alive, recent) is left alone.
    """
    target = name if isinstance(name, re.Pattern) else re.compile(re.escape(name))
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    now = time.time()
    for entry in entries:
        m = _TEMP.fullmatch(entry.name)
        if not m or not target.fullmatch(m["name"]):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            continue
        pid = int(m["pid"]) if m["pid"] else None
        gone = pid is not None and pid != os.getpid() and not _alive(pid)
        if gone or now - st.st_mtime > STALE_TEMP_S:
            try:
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n:,} bytes"


def _refuse_irregular(path: Path, what: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise UsageError(f"{what} '{path}' is a directory, expected a file")
    if not stat.S_ISREG(mode):
        raise UsageError(f"{what} '{path}' is {_kind(mode)}, not a regular file; refusing to "
                         "read it")  # fmt: skip


def open_regular(path: Path, what: str) -> BinaryIO:
    """Open a user-given file for reading, refusing anything but a regular file (or a link to
    one) before reading a byte: checked before opening, opened without blocking (a FIFO put in
    its place never waits for a writer), and checked again on the open descriptor, so what is
    read is what was checked.

    Raises:
        UsageError: the path does not exist, is a directory, a FIFO, a device or a socket, or
            cannot be opened; naming it as `what` ("results file").
    """
    path = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        _refuse_irregular(path, what, os.stat(path).st_mode)  # a device is not even opened
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UsageError(f"{what} '{path}' does not exist") from None
    except OSError as e:
        raise UsageError(f"cannot read {what} '{path}': {e.strerror or e}") from None
    try:
        _refuse_irregular(path, what, os.fstat(fd).st_mode)  # what was opened, if it changed
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a user-given regular file (`open_regular`) of at most `limit` bytes.

    At most `limit` + 1 bytes are read, so a file that grows while read is refused too.

    Raises:
        UsageError: as `open_regular`, or the file is larger than `limit` or cannot be read.
    """
    chunks, total = [], 0
    with open_regular(path, what) as f:
        try:
            while total <= limit and (chunk := f.read(min(limit + 1 - total, 4 * MiB))):
                chunks.append(chunk)
                total += len(chunk)
        except OSError as e:
            raise UsageError(f"cannot read {what} '{path}': {e.strerror or e}") from None
    if total > limit:
        raise UsageError(f"{what} '{path}' is larger than {_size(limit)}, the most mlxguard "
                         f"reads for a {what}; refusing to read it")  # fmt: skip
    return b"".join(chunks)


def read_tail(path: Path, limit: int) -> str:
    """The last `limit` bytes of a log file as text (undecodable bytes replaced), however large
    the file grew; "" when it cannot be read.

    For mlxguard's own logs (an engine's, a server's), whose size their writer decides.
    """
    try:
        with open_regular(path, "log") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - limit))
            data = f.read(limit)
    except (UsageError, OSError):
        return ""
    return data.decode("utf-8", "replace")


def read_input(path: Path, what: str, limit: int = MAX_RESULTS_BYTES) -> str:
    """Read a user-given UTF-8 text file (`what` names it in errors: "results file", "baseline").

    Raises:
        UsageError: as `read_bytes`, or the file is not UTF-8.
    """
    data = read_bytes(path, what, limit)
    try:
        return data.decode("utf-8-sig")  # a BOM (as some editors write) is not part of it
    except UnicodeDecodeError as e:
        raise UsageError(f"cannot read {what} '{path}': not UTF-8 text ({e.reason} at byte "
                         f"{e.start})") from None  # fmt: skip


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} (JSON allows only finite numbers)")


_TOO_DEEP = "nested too deep (arrays or tables inside each other beyond what mlxguard parses)"


def parse_toml(text: str) -> dict[str, Any]:
    """A TOML document.

    Raises:
        ValueError: invalid TOML, or nesting too deep to parse.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ValueError(str(e)) from None
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None


def parse_json(text: str) -> Any:
    """A JSON document, strictly: finite numbers only, nesting within the parser's depth.

    Raises:
        ValueError: invalid JSON, `NaN` or `Infinity`, or nesting too deep to parse (the message
            says which).
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None


@contextlib.contextmanager
def locked(directory: Path, timeout_s: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (created if missing) while the block runs.

    An OS lock (``flock``) on the directory itself: no lock file is left in it, and the lock
    dies with its process, so a writer killed with -9 blocks no one after it. Waits up to
    ``timeout_s`` for another holder.

    Raises:
        UsageError: the lock was not released within ``timeout_s``, or the directory cannot be
            created or opened, naming ``what`` and the directory.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory, os.O_RDONLY)
    except OSError as e:
        raise UsageError(f"cannot lock {what} '{directory}': {e.strerror or e}") from None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise UsageError(
                        f"{what} '{directory}' is being rewritten by another process, which "
                        f"did not finish within {timeout_s:g} s; nothing was written: try again "
                        "when it is done, or wait longer (--lock-timeout)"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


NEWER = "it was written by a newer mlxguard: upgrade mlxguard to read it"


def newer_schema(found: object, current: str) -> bool:
    """Is `found` a later version of the schema `current` (both `name/N`): a document a newer
    mlxguard wrote?"""
    name, _, version = current.rpartition("/")
    if not isinstance(found, str) or not found.startswith(f"{name}/"):
        return False
    later = found[len(name) + 1 :]
    return later.isdigit() and version.isdigit() and int(later) > int(version)
