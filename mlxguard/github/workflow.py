"""Workflow commands of GitHub Actions: annotations, step outputs, the job summary.

Each writer takes the environment as a mapping, so tests drive it without touching os.environ.
Untrusted text is escaped: a newline in a model name must not start a second command, and a
value must not end a multi-line output early.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, TextIO

Level = Literal["error", "warning", "notice"]


def escape_data(text: str) -> str:
    """Escape the message of a workflow command (the part after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (`title=`, `file=`): also `:` and `,`, which delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: Level, message: str, *, title: str | None = None) -> str:
    """One `::error::` / `::warning::` / `::notice::` line."""
    props = f" title={escape_property(title)}" if title else ""
    return f"::{level}{props}::{escape_data(message)}"


def annotate(
    level: Level, message: str, *, title: str | None = None, out: TextIO | None = None
) -> None:
    """Print an annotation to stdout, where the runner reads workflow commands."""
    print(annotation(level, message, title=title), file=out or sys.stdout, flush=True)


def _append(path: str, text: str) -> None:
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(text)


def set_outputs(values: Mapping[str, str], env: Mapping[str, str]) -> bool:
    """Append step outputs to `$GITHUB_OUTPUT`; False when not running in Actions.

    Every value uses the multi-line form with a random delimiter that the value cannot contain,
    so no value can inject another output.
    """
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return False
    chunks = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    _append(path, "".join(chunks))
    return True


def add_summary(markdown: str, env: Mapping[str, str]) -> bool:
    """Append Markdown to the job summary (`$GITHUB_STEP_SUMMARY`); False when not in Actions."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    _append(path, markdown if markdown.endswith("\n") else markdown + "\n")
    return True
