"""`openai:URL` with nothing listening: refused before the first trial (exit 2, the URL named)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cli_runner import assert_usage_error, invoke


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "args",
    [
        ["--suite", "ttft", "--engine", "{url}", "--samples", "1"],
        ["--suite", "compare", "--candidate", "ipc", "--reference", "{url}", "--samples", "1"],
        ["--suite", "flexible", "--candidate", "{url}", "-q", "2"],  # its count: questions
    ],
)
def test_unreachable_server_is_bad_input(tiny_model: Path, tmp_path: Path, args: list[str]) -> None:
    url = f"openai:http://127.0.0.1:{_closed_port()}/v1"
    out = tmp_path / "r.json"
    proc = invoke(
        "run", "--model", str(tiny_model), "--warmup", "0",
        "--max-tokens", "2", "-o", str(out), *[a.format(url=url) for a in args],
    )  # fmt: skip
    assert_usage_error(proc, f"'{url}'")
    assert "nothing answers" in proc.stderr
    assert not out.exists()  # refused before anything ran
