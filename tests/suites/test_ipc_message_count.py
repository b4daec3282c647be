"""The ipc suite's messages per sample: what the code does is what --help and the docs say."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mlxguard.cli.app import app
from mlxguard.defaults import IPC_MAX_MESSAGES, IPC_MESSAGES_PER_SAMPLE
from mlxguard.suites.ipc import message_count

REPO = Path(__file__).resolve().parents[2]


def test_message_count() -> None:
    assert message_count(2) == 2 * IPC_MESSAGES_PER_SAMPLE == 400
    assert message_count(10_000) == IPC_MAX_MESSAGES == 20_000


def test_documented() -> None:
    helps = CliRunner().invoke(app, ["run", "--help"], terminal_width=400).output
    assert "ipc suite: 200 timed messages per sample" in " ".join(helps.split())
    for doc in ("README.md", "docs/suites.md"):
        text = " ".join((REPO / doc).read_text().split())
        assert "200 timed messages per sample" in text and "at most 20,000" in text, doc
