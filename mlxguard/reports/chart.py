"""A small Mermaid `xychart-beta` of one metric across benchmarks, for the PR comment.

Labels and titles are reduced to a safe character set: Mermaid source is code, and a quote or a
newline from a scenario name must not end the chart or start another directive.
"""

from __future__ import annotations

import re

from mlxguard.metrics import spec

_UNSAFE = re.compile(r"[^A-Za-z0-9 _./+-]+")
MAX_BARS = 12


def label(text: str, width: int = 24) -> str:
    """A quoted Mermaid label made only of safe characters."""
    clean = " ".join(_UNSAFE.sub(" ", text).split())[:width] or "?"
    return f'"{clean}"'


def _numbers(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"


def xychart(
    metric: str,
    labels: list[str],
    current: list[float],
    baseline: list[float] | None = None,
) -> str:
    """Bars of the current medians, and a line of the baseline medians when every bar has one."""
    labels, current = labels[:MAX_BARS], current[:MAX_BARS]
    unit = spec(metric).unit
    lines = [
        "xychart-beta",
        f"    title {label(f'{metric} median', 40)}",
        f"    x-axis [{', '.join(label(t) for t in labels)}]",
        f"    y-axis {label(unit or metric)}",
        f"    bar {_numbers(current)}",
    ]
    if baseline is not None and len(baseline) >= len(current):
        lines.append(f"    line {_numbers(baseline[: len(current)])}")
    return "\n".join(lines)
