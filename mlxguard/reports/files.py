"""The header of `mlxguard compare A B`: which two results files were compared, one line each
(path, run id, git sha, when, machine), before the same report a check prints.

The paths and names are untrusted: the Markdown header escapes them, the console header drops
control characters.
"""

from __future__ import annotations

import textwrap

from mlxguard.reports.escape import md, plain
from mlxguard.reports.table import terminal_width
from mlxguard.results import Results

# The formats that print the header (the machine-readable ones carry the run ids already).
WITH_HEADER = ("console", "markdown")


def _line(name: str, path: str, r: Results) -> str:
    env, run = r.environment, r.run
    sha = f" at {run.git_sha[:7]}" if run.git_sha else ""
    return (
        f"{name}: {path} · run {run.id}{sha} · {run.started_at[:16].replace('T', ' ')} · "
        f"{env.chip} ({env.backend}), fingerprint {env.fingerprint}"
    )


def header(fmt: str, a: tuple[str, Results], b: tuple[str, Results]) -> str:
    """The lines naming A and B in ``fmt`` (console or markdown; "" for the other formats)."""
    lines = [_line("A", *a), _line("B (judged against A)", *b)]
    if fmt == "console":
        width = terminal_width()
        wrap = textwrap.TextWrapper(width, subsequent_indent="   ", break_on_hyphens=False)
        wrapped = [w for line in lines for w in wrap.wrap(plain(line))]
        return "".join(f"{line}\n" for line in wrapped) + "\n"
    if fmt == "markdown":
        return "".join(f"- {md(line)}\n" for line in lines) + "\n"
    return ""
