"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mlxguard.errors import UsageError


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
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def read_input(path: Path, what: str) -> str:
    """Read a user-given text file (`what` names it in errors: "results file", "baseline").

    Raises:
        UsageError: the path is a directory, does not exist, or cannot be read as UTF-8.
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{what} '{path}' is a directory, expected a file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {what} '{path}': {e}") from None
