"""Managed servers: started on a free port, waited for, used, and always stopped."""

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

# A stand-in for a server that is ready (GET /v1/models answers) but never finishes a request,
# so a run is still going when the test interrupts it. It writes its pid, then "posted" when a
# request arrives.
STUB = """
import http.server, os, sys, time
open("pid", "w").write(str(os.getpid()))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": [{"id": "stub"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        open("posted", "w").close()
        if os.environ.get("STUB_CRASH"):
            print("\x1b[31mstub: out of memory\x1b[0m", flush=True)  # colours, as loggers do
            os._exit(4)
        time.sleep(600)

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def _gone(pid: int) -> bool:
    """Whether no process has this pid (it exited and was reaped), waiting a little for it."""
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _toml(value: object) -> str:
    """A TOML value: a dict as an inline table of strings, anything else as JSON (TOML reads it)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _config(tmp_path: Path, command: list[str], **extra: object) -> Path:
    lines = [
        "[engines.srv]",
        'spec = "openai:http://127.0.0.1:{port}/v1"',
        f"command = {json.dumps(command)}",
        f'cwd = "{tmp_path}"',
        *(f"{k} = {_toml(v)}" for k, v in extra.items()),
    ]
    path = tmp_path / "mlxguard.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _server_processes(port: int) -> list[int]:
    """Pids whose command line names this port (Linux /proc; empty elsewhere)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(port).encode() in args and b"mlx_lm" in args:
            pids.append(int(proc.name))
    return pids


@pytest.mark.slow
def test_a_real_mlx_lm_server_is_started_used_and_stopped(tmp_path, tiny_model):
    command = [sys.executable, "-m", "mlx_lm", "server", "--model", "{model}", "--port", "{port}"]
    config = _config(tmp_path, command, ready_timeout_s=300)
    out = tmp_path / "results.json"
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "srv", "--suite", "ttft",
        "--model", str(tiny_model), "--samples", "1", "--warmup", "0",
        "--max-tokens", "4", "--prompt-tokens", "16", "-o", str(out), "--quiet",
    )  # fmt: skip
    assert proc.returncode == verdict_code(out, "--config", str(config)), proc.stderr
    benchmarks = json.loads(out.read_text())["benchmarks"]
    assert {b["engine"] for b in benchmarks} == {"srv"}
    assert all(b["successes"] == b["trials"] == 1 for b in benchmarks), benchmarks
    spec = benchmarks[0]["engine_spec"]
    assert spec.startswith("openai:http://127.0.0.1:") and "{port}" not in spec
    port = int(spec.rsplit(":", 1)[1].split("/")[0])
    assert _server_processes(port) == []


@pytest.mark.slow
def test_a_server_that_never_gets_ready_is_a_clear_error_and_is_stopped(tmp_path, tiny_model):
    script = "import os, time; open('pid', 'w').write(str(os.getpid())); time.sleep(600)"
    config = _config(tmp_path, [sys.executable, "-c", script], ready_timeout_s=2)
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "srv", "--suite", "ttft",
        "--model", str(tiny_model), "-o", str(tmp_path / "r.json"), "--quiet",
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: engine 'srv': server not ready within 2 s"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert _gone(int((tmp_path / "pid").read_text()))


def test_a_server_that_dies_shows_its_output(tmp_path, tiny_model):
    script = "import sys; print('loading'); print('no such model: x', file=sys.stderr); sys.exit(3)"
    config = _config(tmp_path, [sys.executable, "-c", script])
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "srv", "--suite", "ttft",
        "--model", str(tiny_model), "-o", str(tmp_path / "r.json"), "--quiet",
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: engine 'srv': server exited with code 3 before it was ready; "
        "last output: loading | no such model: x\n"
    )


@pytest.mark.slow  # signals sent to real runs
def test_interrupted_and_terminated_runs_stop_their_server(tmp_path, tiny_model):
    (tmp_path / "stub.py").write_text(STUB)
    config = _config(tmp_path, [sys.executable, "stub.py", "{port}"])
    for sig in (signal.SIGINT, signal.SIGTERM):
        for name in ("pid", "posted"):
            (tmp_path / name).unlink(missing_ok=True)
        run = subprocess.Popen(
            [sys.executable, "-m", "mlxguard", "run", "--config", str(config), "--engine", "srv",
             "--suite", "ttft", "--model", str(tiny_model), "-o", str(tmp_path / "r.json"),
             "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for _ in range(600):
            if (tmp_path / "posted").exists() or run.poll() is not None:
                break
            time.sleep(0.1)
        assert (tmp_path / "posted").exists(), run.communicate()
        run.send_signal(sig)
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 2 and stderr.startswith("error: "), stderr
        assert len(stderr.splitlines()) == 1 and "interrupted" in stderr, stderr
        assert _gone(int((tmp_path / "pid").read_text())), sig


@pytest.mark.slow
def test_a_server_that_dies_during_the_run_is_named_with_its_output(tmp_path, tiny_model):
    (tmp_path / "stub.py").write_text(STUB)
    config = _config(tmp_path, [sys.executable, "stub.py", "{port}"], env={"STUB_CRASH": "1"})
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "srv", "--suite", "ttft",
        "--model", str(tiny_model), "--samples", "1", "--warmup", "0",
        "-o", str(tmp_path / "r.json"), "--quiet",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # its trials failed: a failed check, not bad input
    warning = next(line for line in proc.stderr.splitlines() if line.startswith("warning:"))
    assert warning.startswith("warning: engine 'srv': server exited with code 4 during the run; ")
    assert "stub: out of memory" in warning  # from the end of the server's output
    assert "\x1b" not in proc.stderr  # its colours are not the terminal's business
    assert _gone(int((tmp_path / "pid").read_text()))
