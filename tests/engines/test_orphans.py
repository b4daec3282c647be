"""No process an engine or mlxguard starts outlives the run: plugin helpers, worker groups,
managed servers (even when mlxguard is killed with SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import mlxguard, verdict_code

pytestmark = pytest.mark.slow  # real runs, their children and signals: not in the inner loop


def _gone(pid: int, wait_s: float = 15.0) -> bool:
    """Whether no live process has this pid (a zombie counts as gone), waiting a little."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def _pids(where: Path, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(list(where.glob("*.pid"))) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return [int(p.name.removesuffix(".pid")) for p in where.glob("*.pid")]


def test_an_in_process_plugins_children_are_stopped_when_the_run_ends(tmp_path, tiny_model):
    where = tmp_path / "pids"
    proc = mlxguard(
        "run", "--model", str(tiny_model), "--suite", "ttft", "--engine",
        "tests.plugins.forks:Forks", "--samples", "1", "--warmup", "0", "--prompt-tokens", "8",
        "--max-tokens", "2", "-o", str(tmp_path / "r.json"), "--quiet",
        env={"FORKS_DIR": str(where)},
    )  # fmt: skip
    assert proc.returncode == verdict_code(tmp_path / "r.json"), proc.stderr
    pids = _pids(where, 6)  # a cold and a warm engine, three helpers each
    assert len(pids) == 6
    assert [pid for pid in pids if not _gone(pid)] == []
    log = (tmp_path / "r.log").read_text()
    assert "stopping 6 process(es) left by an engine" in log


def test_an_ipc_workers_group_is_stopped_with_it(ipc_engine, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("FORKS_DIR", str(tmp_path))
    engine = ipc_engine(engine="tests.plugins.forks:Forks")
    engine.load(str(tiny_model))
    pids = _pids(tmp_path, 3)
    assert len(pids) == 3 and not any(_gone(pid, 0.1) for pid in pids)
    engine.close()  # the worker shuts down cleanly; what its engine started goes with it
    assert [pid for pid in pids if not _gone(pid)] == []


SERVER = """
import http.server, os, sys

open("pid", "w").write(str(os.getpid()))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": [{"id": "stub"}]}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        open("posted", "w").close()
        self.rfile.read(int(self.headers["Content-Length"]))
        while True:  # a keepalive comment every 0.1 s, for ever
            self.wfile.write(b": keepalive\\n\\n")
            self.wfile.flush()
            __import__("time").sleep(0.1)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_a_managed_server_dies_with_a_run_killed_by_sigkill(tmp_path, tiny_model):
    (tmp_path / "stub.py").write_text(SERVER)
    (tmp_path / "mlxguard.toml").write_text(
        '[engines.srv]\nspec = "openai:http://127.0.0.1:{port}/v1"\n'
        f"command = {json.dumps([sys.executable, 'stub.py', '{port}'])}\n"
        f'cwd = "{tmp_path}"\n'
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "mlxguard", "run", "--config", str(tmp_path / "mlxguard.toml"),
         "--engine", "srv", "--suite", "ttft", "--model", str(tiny_model),
         "-o", str(tmp_path / "r.json"), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(600):
            if (tmp_path / "posted").exists() or run.poll() is not None:
                break
            time.sleep(0.1)
        assert (tmp_path / "posted").exists()
        server = int((tmp_path / "pid").read_text())
        os.kill(run.pid, signal.SIGKILL)  # nothing of mlxguard runs after this
        run.wait()
        assert _gone(server), "the server outlived mlxguard"
    finally:
        if run.poll() is None:
            run.kill()
