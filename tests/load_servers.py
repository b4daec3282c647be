"""Synthetic OpenAI-compatible servers for the load tests (scripts/sse_server.py), on free ports."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from mlxguard.engines.server import free_port

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "sse_server.py"


@contextlib.contextmanager
def sse_server(*options: str) -> Iterator[str]:
    """The URL (`http://127.0.0.1:PORT/v1`) of a running `scripts/sse_server.py`, stopped after."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), "--port", str(port), *options])
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "sse_server did not start"
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
