"""Reading, upgrading and writing results files, and their JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import (
    MAX_RESULTS_BYTES,
    NEWER,
    newer_schema,
    parse_json,
    read_input,
    write_atomic,
)
from mlxguard.redact import mask_credentials
from mlxguard.results.models import SCHEMA, Results
from mlxguard.results.upgrade import STEPS, upgrade

RUN_HINT = "a results file is what `mlxguard run -o FILE` writes"


def _unreadable(source: str, schema: object) -> str:
    """Why a file of `schema` cannot be read: a newer mlxguard wrote it, it is another of
    mlxguard's files, or it is not ours."""
    readable = ", ".join(repr(s) for s in [*STEPS, SCHEMA])
    if newer_schema(schema, SCHEMA):
        return (
            f"{source} has schema {schema!r}, newer than this mlxguard reads ({readable}); {NEWER}"
        )
    if schema is None:
        return f'{source} is not an mlxguard results file (it has no "schema"); {RUN_HINT}'
    if isinstance(schema, str) and schema.startswith("mlxguard.baseline/"):
        return (
            f"{source} is a baseline file ({schema}), not a results file; pass it with "
            "--baseline, with the results file of a run to judge against it"
        )
    if isinstance(schema, str) and schema.startswith("mlxguard.report/"):
        return (
            f"{source} is a check report ({schema}, from --format json), not a results file; "
            "give the results file it was made from"
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
    if not text.strip():
        raise UsageError(f"{source} is empty, not a results file; {RUN_HINT}")
    try:
        data = parse_json(text)
    except ValueError as e:
        raise UsageError(f"{source} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{source} is not a results file (found a JSON {type(data).__name__}, not an "
            f"object); {RUN_HINT}"
        )
    schema = data.get("schema")
    if schema != SCHEMA:
        if not isinstance(schema, str) or schema not in STEPS:
            raise UsageError(_unreadable(source, schema))
        data = upgrade(data)
    try:
        return Results.model_validate(data, strict=True)
    except ValidationError as e:
        raise UsageError(f"{source} is not a valid results file: {first_problem(e)}") from None


def load_results(path: Path | str) -> Results:
    """Load a results file, with one-line errors for every kind of bad input."""
    text = read_input(Path(path), "results file", MAX_RESULTS_BYTES)
    return parse_results(text, source=f"'{path}'")


def write_results(results: Results, path: Path | str) -> None:
    """Write the results file atomically, with no URL's password in it (an `openai:` engine
    spec of `https://user:PASS@host` is recorded as `https://user:***@host`)."""
    write_atomic(Path(path), mask_credentials(results.to_json()))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the results file."""
    schema = Results.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = "urn:mlxguard:schema:results/2"
    schema["title"] = SCHEMA
    return schema
