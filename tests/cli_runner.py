"""Running the real CLI in tests, and the bad-input contract every command keeps.

`invoke` runs the CLI in this process through typer's `CliRunner` (what most tests need: no
interpreter start, no MLX import per call); `mlxguard` starts a real subprocess, for what only a
process shows (the entry point, signals, exit codes from `python -m mlxguard`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from typer.testing import CliRunner

# Keeps a run short if a bad value were not refused up front.
ONE_TRIAL = ["--suite", "ttft", "--samples", "1", "--warmup", "0", "--max-tokens", "2"]


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


def invoke(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI's entry point in this process, as `mlxguard *args` would run it.

    The entry point itself (not only the typer app) runs, so its handling of usage errors is
    what the test sees. An exception that escapes it fails the test, as a traceback would.
    Returns a CompletedProcess, as `mlxguard` does, so the same assertions fit both.
    """
    from mlxguard.cli import main

    code: int | str | None = 0
    with (
        CliRunner().isolation(env=env) as (out, err, _),
        mock.patch("sys.argv", ["mlxguard", *args]),
        contextlib.chdir(cwd or Path.cwd()),
    ):
        try:
            main()
        except SystemExit as e:
            code = e.code
        sys.stdout.flush()
        sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    assert isinstance(code, int), code
    return subprocess.CompletedProcess(list(args), code, stdout, stderr)


def assert_usage_error(proc, fragment: str) -> None:
    """Bad input's contract: exit 2, one `error:` line on stderr naming it, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]


def verdict_code(results: Path, *check_args: str, cwd: Path | None = None) -> int:
    """The exit code `check` gives on `results` (0 pass, 1 a check failed): what a run or a
    publish of that file must exit with, whichever way the figures came out on this machine.

    `check_args` are what the file is judged with besides itself (`--config`, ...). Fails the
    test when `check` cannot judge the file (missing, incomplete, invalid).
    """
    judged = invoke("check", str(results), *check_args, cwd=cwd)
    assert "error:" not in judged.stderr, judged.stderr
    return judged.returncode
