"""Reading, upgrading and writing results files, and their JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import read_input, write_atomic
from mlxguard.results.models import SCHEMA, Results
from mlxguard.results.upgrade import STEPS, upgrade


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} (JSON allows only finite numbers)")


def _version(schema: object) -> int | None:
    prefix = "mlxguard.results/"
    if isinstance(schema, str) and schema.startswith(prefix) and schema[len(prefix) :].isdigit():
        return int(schema[len(prefix) :])
    return None


def _unreadable(source: str, schema: object) -> str:
    """Why a file of `schema` cannot be read: a newer mlxguard wrote it, or it is not ours."""
    readable = ", ".join(repr(s) for s in [*STEPS, SCHEMA])
    version, current = _version(schema), _version(SCHEMA)
    if version is not None and current is not None and version > current:
        return (
            f"{source} has schema {schema!r}, newer than this mlxguard reads ({readable}); "
            "upgrade mlxguard to read it"
        )
    return (
        f"{source} has schema {schema!r}; this mlxguard reads {readable}; "
        "re-run `mlxguard run` to produce it"
    )


def parse_results(text: str, source: str = "results") -> Results:
    """Parse and validate a results document; an older schema is upgraded to the current one.

    Raises:
        UsageError: invalid JSON, non-finite numbers, a newer or foreign schema, or another
            shape.
    """
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        raise UsageError(f"{source} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source} is not a results object (found a JSON {type(data).__name__})")
    schema = data.get("schema")
    if schema != SCHEMA:
        if schema not in STEPS:
            raise UsageError(_unreadable(source, schema))
        data = upgrade(data)
    try:
        return Results.model_validate(data)
    except ValidationError as e:
        raise UsageError(f"{source} is not a valid results file: {first_problem(e)}") from None


def load_results(path: Path | str) -> Results:
    """Load a results file, with one-line errors for every kind of bad input."""
    text = read_input(Path(path), "results file")
    return parse_results(text, source=f"'{path}'")


def write_results(results: Results, path: Path | str) -> None:
    """Write the results file atomically."""
    write_atomic(Path(path), results.to_json())


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the results file."""
    schema = Results.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = "urn:mlxguard:schema:results/2"
    schema["title"] = SCHEMA
    return schema
