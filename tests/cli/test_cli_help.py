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


COMMANDS = [
    ["run"],
    ["check"],
    ["schema"],
    ["compare"],
    ["merge"],
    ["export"],
    ["dashboard"],
    ["publish"],
    ["baseline", "update"],
    ["baseline", "show"],
    ["model", "synth"],
    ["model", "list"],
]


@pytest.mark.parametrize("args", COMMANDS)
def test_help_states_each_default_once(args: list[str]) -> None:
    from typer.testing import CliRunner

    from mlxguard.cli.app import app

    out = CliRunner().invoke(app, [*args, "--help"], terminal_width=200)
    assert out.exit_code == 0, out.output
    for line in out.output.splitlines():
        if "[default:" in line or "[required]" in line:
            assert "default:" not in line.split("[")[0].lower(), line
            assert "required." not in line.lower(), line
