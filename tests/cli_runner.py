"""Running the real CLI in tests, and the bad-input contract every command keeps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def mlxguard(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess: returns the CompletedProcess (text mode)."""
    return subprocess.run(
        [sys.executable, "-m", "mlxguard", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=600,
        check=False,
    )


def assert_usage_error(proc, fragment: str) -> None:
    """Bad input's contract: exit 2, one `error:` line on stderr naming it, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]
