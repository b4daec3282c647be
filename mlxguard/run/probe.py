"""Short commands that read the machine (sysctl, nvidia-smi, pmset, git): their output, or None.

Shared by the environment, the chip's bandwidth and the machine's state, so none of them
imports another to run a command.
"""

from __future__ import annotations

import subprocess


def probe(*cmd: str, timeout_s: float = 5.0) -> str | None:
    """The trimmed stdout of a short command; None when it is missing, fails, prints nothing or
    runs longer than ``timeout_s``."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
