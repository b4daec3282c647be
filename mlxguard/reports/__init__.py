"""Reports: every output format behind one registry, each module one pure `render(...) -> str`.

Reports (console, markdown, json, csv) render a results file with its check; exports
(bencher, github-action-benchmark) render the results alone in another tool's format. Modules
are imported only when their format is chosen, so looking a format up stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mlxguard.errors import UsageError

if TYPE_CHECKING:
    from mlxguard.check.verdicts import CheckReport
    from mlxguard.results import Results

Kind = Literal["report", "export"]


@dataclass(frozen=True)
class Format:
    """One output format: its name on the command line, its kind and what it is for."""

    name: str
    kind: Kind
    description: str
    # An export whose file holds the metrics of one direction only: `--better` picks which.
    one_direction: bool = False

    def renderer(self) -> Callable[..., str]:
        """The format module's `render`: (results, report) for a report, (results, options)
        for an export."""
        module = importlib.import_module(f"mlxguard.reports.{self.name.replace('-', '_')}")
        render: Callable[..., str] = module.render
        return render


@dataclass(frozen=True)
class ExportOptions:
    """Options of the export formats."""

    better: str = "higher"  # github-action-benchmark: which direction's metrics one file holds


FORMATS = {
    f.name: f
    for f in [
        Format("console", "report", "plain-text tables for a terminal or a CI log"),
        Format("markdown", "report", "the job summary and the PR comment's body"),
        Format("json", "report", "the verdicts and their evidence, for machines"),
        Format("csv", "report", "one row per verdict, with its evidence, for spreadsheets"),
        Format("csv-stats", "report", "one row per benchmark metric: its summary statistics"),
        Format("bencher", "export", "Bencher Metric Format (BMF) JSON"),
        Format(
            "github-action-benchmark",
            "export",
            "github-action-benchmark's custom JSON",
            one_direction=True,
        ),
        Format("load-curve", "export", "the load suite's latency-throughput curve, SVG"),
    ]
}
REPORT_FORMATS = tuple(n for n, f in FORMATS.items() if f.kind == "report")
EXPORT_FORMATS = tuple(n for n, f in FORMATS.items() if f.kind == "export")


def check_format(fmt: str) -> str:
    """``fmt`` if it is a report format.

    Raises:
        UsageError: an unknown report format.
    """
    if fmt not in REPORT_FORMATS:
        raise UsageError(f"unknown format '{fmt}'; choose from {', '.join(REPORT_FORMATS)}")
    return fmt


def render(fmt: str, results: Results, report: CheckReport) -> str:
    """Render ``results`` and their check ``report`` in the report format ``fmt``.

    Raises:
        UsageError: an unknown report format.
    """
    return FORMATS[check_format(fmt)].renderer()(results, report)


def export(results: Results, fmt: str, *, better: str | None = None) -> str:
    """Render ``results`` in the export format ``fmt``; ``better`` (default "higher") picks the
    direction of a one-direction format's metrics.

    Raises:
        UsageError: an unknown export format, a ``better`` value other than higher or lower, or
            ``better`` given for a format that holds both directions (it would be ignored).
    """
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"unknown export format '{fmt}'; choose one of {', '.join(EXPORT_FORMATS)}"
        )
    if better is not None:
        if better not in ("higher", "lower"):
            raise UsageError(f"--better '{better}' must be 'higher' or 'lower'")
        if not FORMATS[fmt].one_direction:
            takers = ", ".join(n for n, f in FORMATS.items() if f.one_direction)
            raise UsageError(
                f"--better applies to --to {takers} only (a file of one direction); "
                f"--to {fmt} holds every metric whichever way is better: drop --better"
            )
    check_summaries(results)
    return FORMATS[fmt].renderer()(results, ExportOptions(better=better or "higher"))


def check_summaries(results: Results) -> None:
    """Refuse results whose stored summaries disagree with their raw samples.

    Exports take the value from the summary and Bencher's bounds from the samples: if the two
    disagree, the value could lie outside its own bounds. A file read from disk is checked when
    it is loaded (`Metric`); this also guards results built or changed in memory.

    Raises:
        UsageError: naming the benchmark, the metric, and both figures.
    """
    for b in results.benchmarks:
        for name, m in b.metrics.items():
            if why := m.disagreement():
                raise UsageError(
                    f"benchmark {b.key_text}: {name} has a {why}: the file was edited or is "
                    "corrupt; export the results file the run wrote"
                )
