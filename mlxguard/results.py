"""The results file, schema `mlxguard.results/1`: models, loading and atomic writing.

History of the schema:
- `mlxguard.results/1`: first version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlxguard.errors import UsageError, first_problem
from mlxguard.fsutil import read_input, write_atomic

SCHEMA = "mlxguard.results/1"


class Frozen(BaseModel):
    """A record of the files mlxguard writes: immutable, no unknown keys, finite numbers."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Summary(Frozen):
    """Summary of one metric's measured samples (percentiles by linear interpolation)."""

    n: int
    mean: float | None = None
    median: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    min: float | None = None
    max: float | None = None
    stddev: float | None = Field(None, description="sample standard deviation (n - 1)")


class Metric(Frozen):
    """One metric of one benchmark: raw samples (warm-ups kept apart) and their summary."""

    unit: str
    direction: Literal["lower", "higher", "none"]
    samples: list[float]
    summary: Summary
    warmup_samples: list[float] = Field(default_factory=list)
    processes: list[int] | None = Field(
        None,
        description="worker process index of each sample (parallel to `samples`); "
        "null when unknown",
    )
    rounds: list[int] | None = Field(
        None,
        description="adaptive/interleaving round of each sample (parallel to `samples`); "
        "null when unknown",
    )

    @model_validator(mode="after")
    def _parallel(self) -> Metric:
        for name in ("processes", "rounds"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.samples):
                raise ValueError(
                    f"{name} has {len(values)} entries for {len(self.samples)} samples"
                )
        return self

    @classmethod
    def of(
        cls,
        name: str,
        samples: list[float],
        warmup: list[float] | None = None,
        *,
        processes: list[int] | None = None,
        rounds: list[int] | None = None,
    ) -> Metric:
        """Build a metric from raw samples, taking unit and direction from the registry.

        Args:
            name: the metric's registry name (e.g. `ttft_ms`).
            samples: the measured values, in the order they were taken.
            warmup: warm-up values, kept apart from the statistics.
            processes: the worker process index of each sample, when known.
            rounds: the round of each sample, when known.
        """
        from mlxguard.metrics import spec
        from mlxguard.stats import summarize

        s = spec(name)
        return cls(
            unit=s.unit,
            direction=s.direction,
            samples=list(samples),
            summary=Summary(**summarize(samples)),
            warmup_samples=list(warmup or []),
            processes=None if processes is None else list(processes),
            rounds=None if rounds is None else list(rounds),
        )

    def percentile(self, q: float) -> float | None:
        """A percentile of the samples the summary does not hold (e.g. p5), computed here so
        that reports only format."""
        from mlxguard.stats import percentile

        return percentile(self.samples, q)


class EngineEnvironment(Frozen):
    """What an engine (or the worker process hosting it) reports about itself."""

    versions: dict[str, str | None] = Field(
        default_factory=dict,
        description="package -> version as the engine or its worker reports them "
        "(e.g. mlx, mlx-lm in the worker's interpreter); null when not installed",
    )


class Benchmark(Frozen):
    """One (suite, engine, model, scenario) cell of a run."""

    suite: str
    engine: str = Field(description="the engine's display name (part of the benchmark key)")
    engine_spec: str | None = Field(
        None,
        description="the spec the engine was built from (e.g. `ipc:json`, `mypkg.engine:make`); "
        "null when unknown",
    )
    model: str
    scenario: str
    params: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Metric] = Field(default_factory=dict)
    trials: int = 0
    successes: int = 0
    errors: list[str] = Field(default_factory=list)
    engine_environment: EngineEnvironment | None = Field(
        None, description="versions the engine or its worker reports; null when not reported"
    )
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.suite, self.engine, self.model, self.scenario)

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.trials if self.trials else None


class Tool(Frozen):
    name: str = "mlxguard"
    version: str


class RunInfo(Frozen):
    id: str
    started_at: str
    finished_at: str | None = None
    git_sha: str | None = None
    git_ref: str | None = None
    seed: int
    command: list[str] = Field(default_factory=list)
    incomplete_suites: list[str] = Field(
        default_factory=list,
        description="suites planned but not finished (e.g. interrupted); empty when complete",
    )


class Environment(Frozen):
    """Where the run happened; `fingerprint` says which machines are comparable."""

    platform: str
    machine: str
    chip: str
    cpu_count: int | None = None
    performance_cores: int | None = None
    memory_gb: float | None = None
    os: str
    python: str
    backend: str
    gpu: str | None = None
    versions: dict[str, str | None] = Field(default_factory=dict)
    fingerprint: str
    fingerprint_fields: list[str] = Field(default_factory=list)


class Results(Frozen):
    """A whole results file."""

    schema_: Literal["mlxguard.results/1"] = Field(SCHEMA, alias="schema")
    tool: Tool
    run: RunInfo
    environment: Environment
    config: dict[str, Any] = Field(default_factory=dict)
    benchmarks: list[Benchmark] = Field(default_factory=list)

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, populate_by_name=True
    )

    @field_validator("benchmarks")
    @classmethod
    def _unique(cls, v: list[Benchmark]) -> list[Benchmark]:
        seen: set[tuple[str, str, str, str]] = set()
        for b in v:
            if b.key in seen:
                raise ValueError(f"duplicate benchmark {'/'.join(b.key)}")
            seen.add(b.key)
        return v

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=1) + "\n"


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} (JSON allows only finite numbers)")


def parse_results(text: str, source: str = "results") -> Results:
    """Parse and validate a results document.

    Raises:
        UsageError: invalid JSON, non-finite numbers, another schema, or another shape.
    """
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as e:
        raise UsageError(f"{source} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{source} is not a results object (found a JSON {type(data).__name__})")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise UsageError(
            f"{source} has schema {schema!r}, expected {SCHEMA!r}; "
            "re-run `mlxguard run` to produce it"
        )
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
    schema["$id"] = "urn:mlxguard:schema:results/1"
    schema["title"] = SCHEMA
    return schema
