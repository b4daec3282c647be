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

from mlxguard.github.comment import fit, utf8_bytes
from mlxguard.safetext import clean

Level = Literal["error", "warning", "notice"]
# GitHub refuses a step's job summary over 1 MiB.
MAX_SUMMARY_BYTES = 1024 * 1024


def escape_data(text: str) -> str:
    """Escape the message of a workflow command (the part after `::`): one clean line
    (`safetext.clean`: no line break, control or bidi character), `%` escaped."""
    return clean(text, None).replace("%", "%25")


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


def add_summary(markdown: str, env: Mapping[str, str], pointer: str = "") -> bool:
    """Append Markdown to the job summary (`$GITHUB_STEP_SUMMARY`); False when not in Actions.

    GitHub refuses a step's summary over 1 MiB, so what would pass it (counting what the step
    wrote before) is trimmed at a line, ending with `pointer` (where to read the rest); when not
    even the pointer fits, nothing is appended.
    """
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    file = Path(path)
    room = MAX_SUMMARY_BYTES - (file.stat().st_size if file.exists() else 0)
    text = fit(
        markdown if markdown.endswith("\n") else markdown + "\n",
        pointer,
        max(room, 0),
        size=utf8_bytes,
    )
    if text:
        _append(path, text)
    return True
