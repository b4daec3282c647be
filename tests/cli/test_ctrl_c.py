"""Ctrl-C in a command other than `run` (which keeps its partial results: tests/run): exit 2
and one `error: interrupted` line, as for any bad ending; nothing half-built left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a signal sent to a real process


def _ctrl_c_default() -> None:
    """In the child: SIGINT at its default, as a terminal's Ctrl-C finds it. A child inherits an
    ignored SIGINT, and Python then keeps ignoring it; the build ran to its end (exit 0) after
    the signal in 1 of 3 runs of this test alone and in 2 full suites. Whether an inherited
    disposition was the cause is not proven: this rules it out."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_model_synth_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "model"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlxguard", "model", "synth", "--out", str(out),
         "--preset", "llama-3.2-1b"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_default,
    )  # fmt: skip
    # Mid-build: the weights file has appeared in its temporary directory beside --out, so MLX
    # is imported and the build under way when the signal comes; a 1B model's save takes
    # seconds more, and no later step can finish before the signal lands (an 8B model took
    # over a minute of the suite for the same case).
    for _ in range(1200):
        if any(any(d.iterdir()) for d in tmp_path.iterdir() if d.is_dir()):
            break
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stdout, stderr) == (2, "", "error: interrupted\n")
    assert list(tmp_path.iterdir()) == []  # no model, no temporary directory
