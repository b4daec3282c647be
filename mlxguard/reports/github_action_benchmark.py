"""github-action-benchmark's custom tools: a JSON array of {name, unit, value, range, extra}.

`customBiggerIsBetter` and `customSmallerIsBetter` read the same shape
(https://github.com/benchmark-action/github-action-benchmark, "Examples", custom benchmarks);
the tool decides the direction, so one file holds the metrics of one direction only
(``better="higher"`` for tok/s, ``"lower"`` for times). The value is the median.
"""

from __future__ import annotations

from mlxguard.metrics import format_value
from mlxguard.reports import ExportOptions
from mlxguard.results import Results
from mlxguard.safetext import to_json

TOOLS = {"higher": "customBiggerIsBetter", "lower": "customSmallerIsBetter"}


def render(results: Results, options: ExportOptions) -> str:
    """The metrics whose better direction is ``options.better`` (checked by ``export``)."""
    better = options.better
    rows = []
    for b in results.benchmarks:
        for name, m in sorted(b.metrics.items()):
            s = m.summary
            if m.direction != better or s.median is None:
                continue
            row = {"name": f"{b.key_text} {name}", "unit": m.unit, "value": s.median}
            if s.stddev is not None:
                row["range"] = f"± {format_value(name, s.stddev).split(' ')[0]}"
            row["extra"] = f"n={s.n} samples; p95 {format_value(name, s.p95)}"
            rows.append(row)
    return to_json(rows) + "\n"
