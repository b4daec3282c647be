"""The plain-text table of every terminal output: left-aligned columns two spaces apart, fitted
to the terminal's width by wrapping cells inside their column. Every cell, the header's too, is
one clean line (`safetext.clean`): a table holds names from results files and the cache."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence

from mlxguard.safetext import clean

# The width of a report that goes to a file, a pipe or a CI log (no terminal to ask).
DEFAULT_WIDTH = 100
# Narrower than this, a table would be mostly wrapped words: it is laid out at this width.
MIN_WIDTH = 40
GAP = 2


def terminal_width() -> int:
    """``COLUMNS`` when set, else the terminal's width, else ``DEFAULT_WIDTH`` (not a terminal)."""
    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _fit(cells: list[Sequence[str]], natural: list[int], width: int) -> list[int]:
    """Column widths summing (with the gaps) to at most ``width`` where words allow: the widest
    column gives way first, never below its longest word; then, if still too wide, below it."""
    widths = list(natural)
    budget = width - GAP * (len(widths) - 1)
    for floor in ([max(_longest_word(r[i]) for r in cells) for i in range(len(widths))],
                  [min(w, 6) for w in natural]):  # fmt: skip
        while sum(widths) > budget:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: widths[i])
            widths[widest] -= 1
    return widths


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    rule: bool = True,
    width: int | None = None,
) -> list[str]:
    """Lines of a table: the header, a dashed rule under it (unless ``rule`` is False), the rows.

    With ``width``, a table wider than it wraps its cells inside their columns (a row then
    takes several lines). Trailing spaces are stripped, so the last column is never padded.
    """
    header = [clean(c) for c in header]
    rows = [[clean(c) for c in r] for r in rows]
    cells = [header, *rows]
    natural = [max(len(r[i]) for r in cells) for i in range(len(header))]
    widths = natural if width is None else _fit(cells, natural, width)

    def lines(row: Sequence[str]) -> list[str]:
        wrapped = [_wrap(c, w) if len(c) > w else [c] for c, w in zip(row, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        return [
            "  ".join(
                (w[k] if k < len(w) else "").ljust(n) for w, n in zip(wrapped, widths, strict=True)
            ).rstrip()
            for k in range(height)
        ]

    dashes = ["  ".join("-" * w for w in widths)] if rule else []
    return [*lines(header), *dashes, *(line for r in rows for line in lines(r))]
