"""The committed JSON Schema is the one the code produces, and real results validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from cli_runner import mlxguard

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "results.schema.json"


def test_committed_schema_is_current() -> None:
    proc = mlxguard("schema")
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(proc.stdout) == json.loads(SCHEMA_FILE.read_text()), (
        "docs/results.schema.json is stale: run `mlxguard schema -o docs/results.schema.json`"
    )


def test_results_validate_against_schema(small_run: Path) -> None:
    jsonschema.validate(json.loads(small_run.read_text()), json.loads(SCHEMA_FILE.read_text()))
