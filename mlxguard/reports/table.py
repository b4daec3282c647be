"""The plain-text table of every terminal output: left-aligned columns two spaces apart."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, rule: bool = True
) -> list[str]:
    """Lines of a table: the header, a dashed rule under it (unless ``rule`` is False), the rows.

    Trailing spaces are stripped, so the last column is never padded.
    """
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    dashes = [line(["-" * w for w in widths])] if rule else []
    return [line(header), *dashes, *(line(r) for r in rows)]
