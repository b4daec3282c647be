"""`mlxguard check` without a baseline stays light: neither scipy nor MLX nor requests is loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from factories import benchmark, results

from mlxguard.results import write_results

HEAVY = ("scipy", "mlx.core", "mlx_lm", "requests")


def test_check_without_baseline_imports_neither_scipy_nor_mlx(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_results(results(benchmark(ttft_ms=[10.0, 11.0, 10.5, 10.2, 10.8])), path)
    code = (
        "import sys\n"
        "from mlxguard.cli import main\n"
        f"sys.argv = ['mlxguard', 'check', {str(path)!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        f"print('loaded:', ','.join(m for m in {HEAVY!r} if m in sys.modules), code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "loaded:  0", out.stdout + out.stderr
