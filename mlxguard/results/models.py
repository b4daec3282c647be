"""The models of a results file (schema `mlxguard.results/2`); see `mlxguard.results`."""

from __future__ import annotations

import math
from typing import Final, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from mlxguard.results.base import AnyJson, Frozen, Index, Measured
from mlxguard.results.load import LoadSection
from mlxguard.results.sections import (
    EngineEnvironment,
    Params,
    Parity,
    QuestionRecord,
    ReferenceComparison,
    ServerUsage,
    Timer,
    Winner,
    WorkerRecord,
)

SCHEMA: Final = "mlxguard.results/2"

# Where a trial's prompt length comes from, most trustworthy first: the engine's own count
# (`last_usage` or `last_prompt_tokens`), the ids it was fed, its `tokenize` hook applied to the
# text it was fed, or only the count the prompt was built with (unverified).
PromptSource = Literal["engine", "ids", "tokenize", "built"]


class Summary(Frozen):
    """Summary of one metric's measured samples, in the metric's unit (percentiles by linear
    interpolation); a figure is null when undefined for `n` (e.g. stddev of one sample)."""

    n: int = Field(ge=0, description="measured samples")
    mean: float | None = None
    median: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None
    min: float | None = None
    max: float | None = None
    stddev: float | None = Field(default=None, description="sample standard deviation (n - 1)")


class Metric(Frozen):
    """One metric of one benchmark: raw samples (warm-ups kept apart) and their summary."""

    unit: str = Field(description="the unit of every value, from the metric registry")
    direction: Literal["lower", "higher", "none"] = Field(
        description="which way is better; `none`: informational, never judged"
    )
    samples: list[Measured] = Field(description="measured values, in the order they were taken")
    summary: Summary
    warmup_samples: list[Measured] = Field(
        default_factory=list, description="warm-up values, never part of the statistics"
    )
    processes: list[Index] | None = Field(
        default=None,
        description="worker process index of each sample (parallel to `samples`); "
        "null when unknown",
    )
    rounds: list[Index] | None = Field(
        default=None,
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

    @model_validator(mode="after")
    def _summary_agrees(self) -> Metric:
        # Checks read the summary and statistics read the samples: a file where the two
        # disagree (edited by hand, or corrupt) would be judged on figures it does not hold.
        if why := self.disagreement():
            raise ValueError(f"{why}: the file was edited or is corrupt; use the one the run wrote")
        return self

    def disagreement(self) -> str | None:
        """How the stored summary disagrees with the samples (`stored median 99 but its 5
        samples give 30`), or None when it is theirs."""
        from mlxguard.stats import summarize

        derived = summarize(self.samples)
        for field, got in derived.items():
            said = getattr(self.summary, field)
            if said is None or got is None:
                agree = said is got
            else:
                agree = math.isclose(said, got, rel_tol=1e-9, abs_tol=1e-9)
            if not agree:
                return (
                    f"stored {field} {_figure(said)} but its {len(self.samples)} samples give "
                    f"{_figure(got)}"
                )
        return None

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
            summary=Summary.model_validate(summarize(samples)),
            warmup_samples=list(warmup or []),
            processes=None if processes is None else list(processes),
            rounds=None if rounds is None else list(rounds),
        )

    def percentile(self, q: float) -> float | None:
        """A percentile of the samples the summary does not hold (e.g. p5), computed here so
        that reports only format."""
        from mlxguard.stats import percentile

        return percentile(self.samples, q)


def _figure(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


class GpuState(Frozen):
    """One NVIDIA GPU as `nvidia-smi` reports it; null where it says [N/A] or [Not Supported]."""

    name: str
    temperature_c: float | None = None
    sm_clock_mhz: float | None = Field(None, description="current SM clock")
    max_sm_clock_mhz: float | None = Field(None, description="the SM clock's maximum")
    mem_clock_mhz: float | None = None
    power_w: float | None = None
    pstate: str | None = Field(None, description="performance state, P0 (fastest) to P12")
    clock_event_reasons: str | None = Field(
        None,
        description="bitmask of why clocks are held down (`clocks_event_reasons.active`, "
        "e.g. 0x0000000000000000: none; 0x1: idle)",
    )


class MachineState(Frozen):
    """What can change a measurement without changing the code, read without sudo; null
    where the machine does not say (docs/machine-state.md)."""

    power_source: str | None = Field(
        None, description="macOS `pmset -g batt`: 'AC Power', 'Battery Power' or 'UPS Power'"
    )
    battery_percent: int | None = Field(None, ge=0, le=100)
    low_power_mode: bool | None = Field(None, description="macOS Low Power Mode (`pmset -g`)")
    thermal_state: Literal["nominal", "fair", "serious", "critical"] | None = Field(
        None, description="macOS NSProcessInfo.thermalState"
    )
    cpu_speed_limit_pct: int | None = Field(
        None, description="macOS `pmset -g therm` CPU_Speed_Limit (100: not throttled)"
    )
    load_average: list[Measured] | None = Field(None, description="1, 5 and 15 minute load")
    cpu_count: int | None = Field(None, ge=1)
    cpu_governor: str | None = Field(
        None, description="Linux cpufreq scaling governor(s), comma-separated when they differ"
    )
    gpus: list[GpuState] = Field(default_factory=list)


class Environment(Frozen):
    """Where the run happened; `fingerprint` says which machines are comparable."""

    platform: str
    machine: str
    chip: str
    cpu_count: int | None = Field(None, ge=1)
    performance_cores: int | None = Field(None, ge=0)
    memory_gb: Measured | None = None
    os: str
    python: str
    backend: str
    gpu: str | None = None
    versions: dict[str, str | None] = Field(default_factory=dict)
    memory_bandwidth_gbs: Measured | None = Field(
        default=None,
        description="peak memory bandwidth of what MLX runs on (the Apple chip, the NVIDIA GPU) "
        "in GB/s, from mlxguard's table (docs/roofline.md); null when unknown",
    )
    state_start: MachineState | None = Field(
        default=None, description="the machine's state when the run started"
    )
    state_end: MachineState | None = Field(
        default=None, description="the machine's state when the run finished"
    )
    fingerprint: str
    fingerprint_fields: list[str] = Field(default_factory=list)


def benchmark_label(suite: str, scenario: str, engine: str) -> str:
    """How reports, verdicts and messages name a benchmark, e.g. `ttft warm · mlx-lm`."""
    return f"{suite} {scenario} · {engine}"


class Benchmark(Frozen):
    """One (suite, engine, model, scenario) cell of a run.

    The typed sections (reference, parity, winner, questions, server_usage, load, timer,
    engine_environment, environment) are present only where they apply; each one's docstring
    says where.
    """

    suite: str
    engine: str = Field(description="the engine's display name (part of the benchmark key)")
    engine_spec: str | None = Field(
        default=None,
        description="the spec the engine was built from (e.g. `ipc:json`, `mypkg.engine:make`); "
        "null when unknown",
    )
    model: str
    scenario: str
    params: Params = Field(default_factory=Params, description="what it was measured with")
    metrics: dict[str, Metric] = Field(default_factory=dict)
    trials: int = Field(default=0, ge=0, description="timed trials run")
    successes: int = Field(default=0, ge=0, description="timed trials that succeeded")
    errors: list[str] = Field(default_factory=list, description="distinct errors of failed trials")
    short_outputs: int = Field(
        default=0, ge=0, description="successful trials that produced fewer tokens than asked for"
    )
    adaptive_rounds: int = Field(
        default=0, ge=0, description="rounds `--until-decisive` added to the first pass"
    )
    engine_environment: EngineEnvironment | None = Field(
        default=None, description="what the engine or its worker reports; null when not reported"
    )
    environment: Environment | None = Field(
        default=None,
        description="the machine of this benchmark when it differs from the file's "
        "`environment` (a shard joined by `mlxguard merge`); null otherwise",
    )
    reference: ReferenceComparison | None = None
    parity: Parity | None = None
    winner: Winner | None = None
    questions: list[QuestionRecord] | None = None
    server_usage: ServerUsage | None = None
    load: LoadSection | None = None
    timer: Timer | None = None
    workers: list[WorkerRecord] | None = Field(
        default=None, description="warm scenarios: the engine instance behind each process index"
    )
    prompt_sources: list[PromptSource] | None = Field(
        default=None,
        description="where each `prompt_tokens` sample (the prompt length the engine received) "
        "came from, in the order of that metric's samples: `engine` (the engine's own count: "
        "mlx-lm's, mlx_engine's, the ipc worker's, a server's `usage`), `ids` (the number of "
        "token ids it was fed), `tokenize` (its tokenizer on the text it was fed), `built` (only "
        "the length mlxguard built: unverified); null when not recorded",
    )

    @model_validator(mode="after")
    def _counts_agree(self) -> Benchmark:
        if self.prompt_sources is not None:
            lengths = self.metrics.get("prompt_tokens")
            n = len(lengths.samples) if lengths is not None else 0
            if len(self.prompt_sources) != n:
                raise ValueError(
                    f"{len(self.prompt_sources)} prompt_sources for {n} prompt_tokens samples"
                )
        if self.successes > self.trials:
            raise ValueError(f"{self.successes} successes out of {self.trials} trials")
        if self.short_outputs > self.successes:
            raise ValueError(
                f"{self.short_outputs} short outputs out of {self.successes} successful trials"
            )
        if self.successes and not any(m.samples for m in self.metrics.values()):
            raise ValueError(
                f"{self.successes} successful trials but no metric has a sample: a successful "
                "trial always records some"
            )
        return self

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What identifies a benchmark in a results file: (suite, engine, model, scenario)."""
        return (self.suite, self.engine, self.model, self.scenario)

    @property
    def key_text(self) -> str:
        """The key as one string, `suite/scenario/model/engine`: names in exported files."""
        return f"{self.suite}/{self.scenario}/{self.model}/{self.engine}"

    @property
    def label(self) -> str:
        """The benchmark's display name (see `benchmark_label`)."""
        return benchmark_label(self.suite, self.scenario, self.engine)

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.trials if self.trials else None


class Tool(Frozen):
    """The program that wrote the file."""

    name: str = "mlxguard"
    version: str


class ModelInfo(Frozen):
    """What was measured: a model's shape and quantization, from its ``config.json``.

    Speed depends on these, so reports name them beside the model; ``None`` where the config
    does not say.
    """

    model_type: str | None = Field(None, description="architecture, e.g. llama, qwen2")
    num_layers: int | None = Field(None, description="transformer layers")
    hidden_size: int | None = Field(None, description="width of the hidden state")
    vocab_size: int | None = None
    bits: int | None = Field(None, description="quantization bits per weight; null: not quantized")
    group_size: int | None = Field(None, description="quantization group size")
    params: int | None = Field(None, description="parameters, when the build recorded them")
    preset: str | None = Field(None, description="the synthetic preset it was built from")
    weight_bytes_per_token: int | None = Field(
        None,
        description="bytes of weights one decode step reads (quantized tensors as stored, one "
        "embedding row unless the head is tied, active experts only), from the safetensors "
        "headers; null when unreadable",
    )


class Adaptive(Frozen):
    """What `run --until-decisive` did after the first look."""

    rounds: int = Field(description="rounds of samples added after the first look")
    stopped: str = Field(description="why no further round was added")

    @property
    def timed_out(self) -> bool:
        """Did the rounds stop at `--max-seconds` (`run.rounds`: "budget: 600 s reached")?"""
        return self.stopped.startswith("budget: ") and self.stopped.endswith(" s reached")


class ProcessChoice(Frozen):
    """How many worker processes per engine the run chose from a measured start cost."""

    processes: int = Field(ge=1, description="worker processes per engine, chosen")
    start_s: float = Field(
        ge=0, description="seconds the first wave of workers took to start (timed together)"
    )
    first_wave: int = Field(
        1, ge=1, description="workers per engine in that first wave (what the cores start at once)"
    )
    left_s: float = Field(description="seconds of the budget left when the choice was made")
    engines: int = Field(1, ge=1, description="engines whose workers started together")
    cores: int = Field(1, ge=1, description="cores the starts shared")
    why: str = Field(description="the choice, in one sentence")


class BudgetSpent(Frozen):
    """What the run spent against `--max-seconds`, the wall-clock budget of the whole run."""

    max_seconds: float = Field(ge=0, description="the budget, seconds")
    elapsed_s: float = Field(ge=0, description="seconds from the run's start to its last trial")
    cut: list[str] = Field(
        default_factory=list,
        description="benchmarks (suite · scenario · engine) that got fewer trials than planned "
        "because the budget ran out; empty when none",
    )
    processes: ProcessChoice | None = Field(
        default=None, description="the processes chosen from measured costs; null when given"
    )


class RunInfo(Frozen):
    """One invocation of `mlxguard run`."""

    id: str = Field(description="unique id of the run")
    started_at: str = Field(description="ISO 8601 time, UTC")
    finished_at: str | None = Field(default=None, description="ISO 8601 time; null while running")
    git_sha: str | None = Field(default=None, description="commit of the working directory")
    git_ref: str | None = Field(default=None, description="branch or ref of that commit")
    seed: int = Field(ge=0, le=2**64 - 1, description="seed of prompts, trial order and sampling")
    command: list[str] = Field(default_factory=list, description="the command line's arguments")
    incomplete_suites: list[str] = Field(
        default_factory=list,
        description="suites planned but not finished (e.g. interrupted); empty when complete",
    )
    adaptive: Adaptive | None = Field(
        default=None, description="`--until-decisive`: the rounds added; null without it"
    )
    budget: BudgetSpent | None = Field(
        default=None, description="the wall-clock budget and what it cut; null in older files"
    )

    @property
    def incomplete(self) -> str | None:
        """Why this run is incomplete ("suites not run: ttft"), or None when it finished."""
        if self.incomplete_suites:
            return f"suites not run: {', '.join(self.incomplete_suites)}"
        return None if self.finished_at else "it never finished (finished_at is null)"


class Results(Frozen):
    """A whole results file."""

    schema_: Literal["mlxguard.results/2"] = Field(default="mlxguard.results/2", alias="schema")
    tool: Tool
    run: RunInfo
    environment: Environment
    config: AnyJson = Field(default_factory=dict)
    models: dict[str, ModelInfo] = Field(
        default_factory=dict,
        description="the measured models, by the name their benchmarks give (`Benchmark.model`)",
    )
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
                raise ValueError(f"duplicate benchmark {b.label} (model {b.model})")
            seen.add(b.key)
        return v

    @model_validator(mode="after")
    def _something_ran(self) -> Results:
        # A finished run ran at least one timed trial; a file that holds none (no benchmark,
        # or only empty ones) would be judged SKIPPED with exit 0, a pass by default.
        if not self.run.incomplete and not any(b.trials for b in self.benchmarks):
            raise ValueError(
                "no benchmark ran a timed trial: a finished run holds at least one; this file "
                "was emptied or is not a run's"
            )
        return self

    def environment_of(self, b: Benchmark) -> Environment:
        """The machine `b` ran on: its own (a merged shard's), else the file's."""
        return b.environment or self.environment

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=1) + "\n"
