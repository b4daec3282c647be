"""`mlxguard schema`: print the JSON Schema of the results file."""

from __future__ import annotations

from mlxguard.cli.common import emit, guarded
from mlxguard.cli.options import OutputOpt


@guarded
def schema(
    output: OutputOpt = None,
) -> None:
    """Print the JSON Schema of the results file, at the version this mlxguard writes."""
    import json

    from mlxguard.results import json_schema

    emit(json.dumps(json_schema(), indent=1, ensure_ascii=False) + "\n", output)
