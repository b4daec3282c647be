"""The JSON report: the verdicts and their evidence, for machines; read back by `publish`."""

from __future__ import annotations

from pydantic import ValidationError

from mlxguard.check.verdicts import CheckReport
from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import NEWER, newer_schema, parse_json
from mlxguard.results import Benchmark, Results
from mlxguard.safetext import to_json

SCHEMA = "mlxguard.report/1"


def _roofline(results: Results, b: Benchmark) -> dict[str, object]:
    """The decode roofline of one benchmark: null percentage where the chip or model is unknown."""
    m = b.metrics.get("decode_roofline_pct")
    info = results.models.get(b.model)
    return {
        "benchmark": b.key_text,
        "decode_roofline_pct": m.summary.median if m else None,
        "memory_bandwidth_gbs": results.environment_of(b).memory_bandwidth_gbs,
        "weight_bytes_per_token": info.weight_bytes_per_token if info else None,
    }


def render(results: Results, report: CheckReport) -> str:
    doc = {
        "schema": SCHEMA,
        "run": results.run.model_dump(),
        "fingerprint": results.environment.fingerprint,
        **report.model_dump(),
        "roofline": [
            _roofline(results, b) for b in results.benchmarks if "decode_tps" in b.metrics
        ],
    }
    return to_json(doc) + "\n"


def parse(text: str, source: str, results: Results) -> CheckReport:
    """The check report of a JSON report, which must be of the run in ``results``.

    Raises:
        UsageError: not a JSON report, another schema, another shape, or another run's report.
    """
    redo = f"write it with `mlxguard check RESULTS --format json -o {source}`"
    try:
        doc = parse_json(text)
    except ValueError as e:
        raise UsageError(f"check report {source} is not valid JSON ({e}); {redo}") from None
    found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
    if found != SCHEMA:
        why = NEWER if newer_schema(found, SCHEMA) else redo
        raise UsageError(f"check report {source} has schema {found!r}, expected {SCHEMA!r}; {why}")
    run = doc.get("run")
    run_id = run.get("id") if isinstance(run, dict) else None
    if run_id != results.run.id:
        raise UsageError(
            f"check report {source} judged run {run_id!r}, not the results' run "
            f"{results.run.id!r}; {redo}"
        )
    try:
        return CheckReport.model_validate(doc)
    except ValidationError as e:
        raise UsageError(f"check report {source} is corrupt ({first_problem(e)}); {redo}") from None
