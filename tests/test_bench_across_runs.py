"""scripts/bench_across_runs.py gate: a series split across bounded calls stops and resumes cleanly.

Only the deadline and the table are exercised here: no invocation starts (each would be a whole
`mlxguard run` of two engines).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_across_runs.py"


def _gate(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "gate", "--data", str(data), *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_stop_after_zero_begins_no_invocation(tmp_path: Path) -> None:
    # 0 was read as "no deadline" and the series began its first invocation.
    done = _gate(tmp_path, "--aa", "2", "--per-arm", "1", "--stop-after", "0")
    assert done.returncode == 0, done.stderr
    assert "stopped after 0 s" in done.stdout
    assert f"no invocation recorded in {tmp_path / 'gate'}" in done.stdout
    assert not (tmp_path / "gate" / "invocations.jsonl").exists()


def test_a_finished_series_prints_its_table_past_the_deadline(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    row = {"arm": "A", "exit": 0, "wall_s": 30.0, "fail": 0, "inconclusive": 0}
    (gate / "invocations.jsonl").write_text(json.dumps({"i": 0, **row}) + "\n", encoding="utf-8")
    done = _gate(tmp_path, "--aa", "1", "--per-arm", "0", "--stop-after", "0")
    assert done.returncode == 0, done.stderr
    assert "stopped after" not in done.stdout  # nothing was left to begin
    assert "| A/A | 1 | 1 | 0 | 1 | - | 30 s | 0 |" in done.stdout
