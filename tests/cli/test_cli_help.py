"""`--help` is instant: no command imports MLX, numpy or requests before it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("mlx.core", "mlx_lm", "numpy", "scipy", "requests")


@pytest.mark.parametrize("args", [[], ["run"], ["check"], ["publish"], ["baseline", "update"]])
def test_help_imports_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from mlxguard.cli.app import main\n"
        f"sys.argv = ['mlxguard', *{args!r}, '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('loaded:', ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in out.stdout
    assert out.stdout.splitlines()[-1] == "loaded: ", out.stdout.splitlines()[-1]
