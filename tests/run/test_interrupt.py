"""Ctrl-C and SIGTERM on a real `mlxguard run`: workers stopped, partial results kept and marked.

Each test starts the real CLI in a subprocess, waits until it is mid-run, sends the signal, and
checks: exit 2 with one line naming the results file, the file marked incomplete (the suites that
did not run), and no process of the run left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard, verdict_code

from mlxguard.results import load_results

pytestmark = pytest.mark.slow  # signals sent to real runs: not in the inner loop

REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> dict[int, str]:
    """Every live descendant of `pid` (pid -> command line), read from /proc."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        commands[int(entry.name)] = cmd
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = commands[child]
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead, only not yet reaped by its (new) parent
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:4]
    except OSError:
        return False


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "mlxguard", "run", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(condition, proc: subprocess.Popen[str], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"run ended before {what}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _interrupt(proc: subprocess.Popen[str], sig: int) -> tuple[dict[int, str], str, float]:
    """Send `sig` to the run; return the processes it had then, its stderr, and seconds to exit."""
    before = _children(proc.pid)
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=60)  # a hang guard, far beyond any normal stop
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the run did not stop within 60 s of the signal")
    took = time.monotonic() - sent
    print(f"{signal.Signals(sig).name}: exited in {took:.2f} s, stopping {sorted(before.values())}")
    return before, err, took


def _assert_nothing_left(before: dict[int, str]) -> None:
    deadline = time.monotonic() + 10  # a killed child is reaped by init shortly after
    while any(_alive(p) for p in before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [cmd for p, cmd in before.items() if _alive(p)]


def _assert_one_line(err: str, output: Path) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), err
    assert str(output) in lines[0], lines[0]
    return lines[0]


def test_sigint_mid_run_stops_ipc_workers_and_keeps_a_marked_file(
    tiny_model: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    proc = _start(
        "--model", str(tiny_model), "--engine", "ipc", "--suite", "ttft,throughput",
        "--samples", "3", "--warmup", "0", "--prompt-tokens", "16", "-o", str(out),
    )  # fmt: skip
    _wait_for(out.exists, proc, "the ttft suite's results")  # now in throughput
    _wait_for(lambda: any("ipc_worker" in c for c in _children(proc.pid).values()), proc, "workers")
    before, err, _ = _interrupt(proc, signal.SIGINT)
    assert proc.returncode == 2
    line = _assert_one_line(err, out)
    assert "throughput" in line
    assert any("ipc_worker" in cmd for cmd in before.values())
    _assert_nothing_left(before)
    results = load_results(out)
    assert results.run.incomplete_suites == ["throughput"]
    assert results.run.finished_at is None
    assert {b.suite for b in results.benchmarks} == {"ttft"}

    # An incomplete file is refused by everything that would judge or record it...
    for args in (
        ["check", str(out)],
        ["baseline", "update", str(out), "-d", str(tmp_path / "b")],
        ["compare", str(out), str(out)],
        ["publish", str(out), "--no-comment", "--no-status"],
        ["export", str(out), "--to", "bencher"],
    ):
        refused = invoke(*args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert refused.stderr.startswith("error: ") and "incomplete" in refused.stderr
        assert "--allow-incomplete" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert not (tmp_path / "b").exists()
    # ...unless told to use what it holds.
    allowed = mlxguard("check", str(out), "--allow-incomplete")
    assert allowed.returncode == verdict_code(out, "--allow-incomplete"), allowed.stderr
    assert "incomplete run" in allowed.stdout + allowed.stderr
    recorded = mlxguard(
        "baseline", "update", str(out), "-d", str(tmp_path / "b"), "--allow-incomplete"
    )
    assert recorded.returncode == 0, recorded.stderr


def test_sigterm_mid_load_stops_within_the_load(tiny_model: Path, tmp_path: Path) -> None:
    out, marker = tmp_path / "r.json", tmp_path / "loading"
    proc = _start(
        "--model", str(tiny_model), "--engine", "tests.plugins.slow_load:SlowLoad",
        "--suite", "ttft", "--samples", "1", "--warmup", "0", "-o", str(out),
        env={"SLOW_LOAD_MARKER": str(marker)},
    )  # fmt: skip
    _wait_for(marker.exists, proc, "the load")
    before, err, _ = _interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 2
    assert "ttft" in _assert_one_line(err, out)
    _assert_nothing_left(before)
    results = load_results(out)
    assert results.run.incomplete_suites == ["ttft"] and results.benchmarks == []


def test_sigterm_stops_fresh_process_children(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = _start(
        "--model", str(tiny_model), "--suite", "compare", "--fresh-process",
        "--candidate", "ipc", "--reference", "mlx-lm", "--samples", "20", "--warmup", "0",
        "--max-tokens", "4", "--prompt-tokens", "16", "-o", str(out),
    )  # fmt: skip

    def fresh_ipc() -> bool:
        running = _children(proc.pid).values()
        return any("fresh_process" in c for c in running) and any(
            "ipc_worker" in c for c in running
        )

    _wait_for(fresh_ipc, proc, "a fresh-process trial with its ipc worker")
    before, err, _ = _interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 2
    assert "compare" in _assert_one_line(err, out)
    _assert_nothing_left(before)
    assert load_results(out).run.incomplete_suites == ["compare"]
