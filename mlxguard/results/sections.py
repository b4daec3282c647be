"""The typed sections of a benchmark: what a suite or an engine records besides its metrics.

Each section is optional on `Benchmark` and present only where it applies (the suite or engine
named in its docstring). Units are in the field names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, JsonValue, field_validator, model_validator

from mlxguard.results.base import Frozen, Measured, within_nesting

Side = Literal["candidate", "reference"]
# A flexible criterion: won by one side, a tie, or undecided when a median is missing.
Criterion = Literal["candidate", "reference", "tie", "undecided"]


class ReferenceComparison(Frozen):
    """compare suite, on the candidate: which benchmark it is measured against.

    Only the pairing is stored: the ratio and its interval are computed by the check stage
    (`mlxguard check`), from both benchmarks' samples, so every report shows one figure.
    """

    engine: str = Field(
        description="display name of the reference benchmark's engine; the reference is the "
        "benchmark with this engine and the candidate's suite, model and scenario"
    )
    chosen: str | None = Field(
        default=None,
        description="why this reference, when `auto` chose it; null when given explicitly",
    )
    against: Literal["engine", "base"] = Field(
        default="engine",
        description="`base`: one engine spec from two builds (e.g. the definitions head and "
        "base: a pull request against its base commit); `engine`: two different engines",
    )


class Divergence(Frozen):
    """Where one prompt's outputs first differ."""

    sample: int = Field(ge=0, description="index of the timed sample (0-based, over all rounds)")
    position: int = Field(ge=0, description="index of the first differing token or character")


class PromptMismatch(Frozen):
    """A prompt the two engines received with different lengths."""

    sample: int = Field(ge=0, description="index of the timed sample (0-based, over all rounds)")
    candidate_tokens: int = Field(ge=0, description="prompt length the candidate engine received")
    reference_tokens: int = Field(ge=0, description="prompt length the reference engine received")


class Parity(Frozen):
    """compare suite, on the candidate: do both engines give the same output per prompt?"""

    identical: int = Field(ge=0, description="prompts answered identically by both engines")
    total: int = Field(ge=0, description="prompts answered by both engines")
    unit: Literal["token", "char"] = Field(
        description="`token` when both engines yield token ids, else `char` (text compared "
        "with whitespace normalized)"
    )
    greedy: bool = Field(description="temperature 0: only then must outputs be identical")
    first_divergence: list[Divergence] = Field(
        default_factory=list, description="one entry per prompt whose outputs differ"
    )
    prompt_mismatches: list[PromptMismatch] = Field(
        default_factory=list,
        description="one entry per prompt the engines received with different lengths (each "
        "engine's own count where it reports one); any entry fails the parity check",
    )

    @model_validator(mode="after")
    def _within_total(self) -> Parity:
        if self.identical > self.total:
            raise ValueError(f"{self.identical} identical of {self.total} prompts")
        return self

    @property
    def share(self) -> float | None:
        """Fraction of prompts with identical outputs; None when no prompt was answered by both."""
        return self.identical / self.total if self.total else None


class SideMedians(Frozen):
    """One side's medians, as the flexible winner compares them."""

    e2e_ms: Measured | None = Field(description="median request latency, ms; null if unmeasured")
    decode_tps: Measured | None = Field(
        description="median decode speed, tok/s; null if unmeasured"
    )


class Winner(Frozen):
    """flexible suite with both engines, on the candidate: who answered faster."""

    overall: Literal["candidate", "reference", "tie"] = Field(
        description="the side that wins at least one criterion and loses none, else `tie`"
    )
    latency: Criterion = Field(description="median e2e_ms, lower wins")
    decode_tps: Criterion = Field(description="median decode_tps, higher wins")
    margin_fraction: float = Field(
        description="a criterion is won by more than this fraction of the other's median"
    )
    candidate: SideMedians
    reference: SideMedians


class QuestionRecord(Frozen):
    """flexible suite: one timed question, as one engine answered it."""

    index: int = Field(ge=0, description="question number (0-based, seeded order)")
    question: str = Field(description="the start of the question, enough to recognise it")
    role: Side = Field(description="the engine's role: candidate or reference")
    ttft_ms: Measured | None = Field(description="time to first token, ms; null on failure")
    e2e_ms: Measured | None = Field(description="request sent -> last token, ms; null on failure")
    output_tokens: int = Field(ge=0, description="tokens received")
    decode_tps: Measured | None = Field(description="decode speed, tok/s; null when undefined")
    ok: bool = Field(description="the request succeeded")


class ServerUsage(Frozen):
    """openai and mlx-engine engines: token counts the engine reported (an OpenAI server's
    `usage`, mlx_engine's prompt progress), summed over the timed trials.

    A field is null when the engine did not report it; `cached_tokens > 0` means a prompt
    cache served part of the prompts.
    """

    trials: int = Field(ge=0, description="timed trials whose response carried usage")
    prompt_tokens: int | None = Field(default=None, ge=0, description="prompt tokens, summed")
    completion_tokens: int | None = Field(
        default=None, ge=0, description="generated tokens, summed"
    )
    cached_tokens: int | None = Field(
        default=None, ge=0, description="prompt tokens served from the server's cache, summed"
    )


class Timer(Frozen):
    """ipc suite: the cost of the clock itself, subtracted from every sample."""

    overhead_ns: int = Field(ge=0, description="median of back-to-back perf_counter_ns calls, ns")
    min_ns: int = Field(ge=0, description="smallest back-to-back gap, ns")
    calls: int = Field(ge=0, description="back-to-back calls measured")
    resolution_ns: Measured = Field(description="the clock's resolution as the OS reports it, ns")


class WorkerProcess(Frozen):
    """The process an engine ran in, when not mlxguard's own (ipc workers)."""

    pid: int | None = Field(default=None, description="the worker's OS process id")
    python: str | None = Field(default=None, description="the worker interpreter's version")
    executable: str | None = Field(default=None, description="the worker interpreter's path")
    protocol: int | None = Field(default=None, description="ipc protocol version the worker speaks")


class WorkerRecord(Frozen):
    """One process index of an engine in a warm scenario: the engine instance that served it.

    With `--processes N` each engine runs in N processes; `Metric.processes` refers to `process`.
    Adaptive rounds reuse these instances, so `loads` stays 1 for the whole run.
    """

    process: int = Field(ge=0, description="process index (0-based), as in `Metric.processes`")
    pid: int | None = Field(description="the worker's OS process id; null for in-process engines")
    loads: int = Field(ge=0, description="model loads of this instance")
    requests: int = Field(ge=0, description="requests it served, warm-ups included")
    load_ms: Measured | None = Field(description="its model load time, ms; null if not loaded")
    started_s: Measured | None = Field(
        default=None,
        description="when it was asked to start, seconds after the run began (workers of a run "
        "start together); null when not recorded",
    )


# Keys of an engine's `info()` that describe its worker process, and their field names.
_WORKER_KEYS = {"worker_pid": "pid", "python": "python", "executable": "executable",
                "protocol": "protocol"}  # fmt: skip


class EngineEnvironment(Frozen):
    """What an engine (or the worker process hosting it) reports about itself."""

    versions: dict[str, str | None] = Field(
        default_factory=dict,
        description="package -> version as the engine or its worker reports them "
        "(e.g. mlx, mlx-lm in the worker's interpreter); null when not installed",
    )
    load_ms: Measured | None = Field(
        default=None,
        description="the warm engine's one load, before its warm-ups, ms (not a sample: cold "
        "scenarios measure `load_ms` as a metric); null when not loaded warm",
    )
    worker: WorkerProcess | None = Field(
        default=None, description="the worker process, for engines that run in one"
    )
    settings: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="the engine's own settings as its `info()` reports them (e.g. codec, "
        "ignore_eos); keys are the engine's",
    )

    @field_validator("settings")
    @classmethod
    def _shallow(cls, v: dict[str, JsonValue]) -> dict[str, JsonValue]:
        return within_nesting(v)

    @classmethod
    def from_info(cls, info: dict[str, Any], load_ms: float | None = None) -> EngineEnvironment:
        """Sort an engine's `info()` into versions, worker process and settings."""
        return cls.model_validate(sort_engine_info(info, load_ms))


def sort_engine_info(info: dict[str, Any], load_ms: float | None = None) -> dict[str, Any]:
    """An engine's `info()` as the fields of `EngineEnvironment` (plain JSON)."""
    worker = {_WORKER_KEYS[k]: v for k, v in info.items() if k in _WORKER_KEYS}
    return {
        "versions": info.get("versions") or {},
        "load_ms": load_ms,
        "worker": worker or None,
        "settings": {k: v for k, v in info.items() if k != "versions" and k not in _WORKER_KEYS},
    }


class Params(Frozen):
    """What a benchmark was measured with: each field is set where it applies, null elsewhere."""

    prompt_tokens: int | None = Field(
        None, ge=0, description="exact prompt length in tokens; null where it varies (flexible)"
    )
    max_tokens: int | None = Field(None, ge=0, description="cap on generated tokens per request")
    streaming: bool | None = Field(None, description="tokens received as they are generated")
    cold: bool | None = Field(None, description="a new engine, and a timed model load, per sample")
    fresh_process: bool | None = Field(None, description="each trial in a new process")
    samples: int | None = Field(None, ge=0, description="timed trials per scenario and engine")
    warmup: int | None = Field(None, ge=0, description="untimed warm-up trials (or messages)")
    temperature: float | None = Field(None, ge=0, description="sampling temperature")
    order: str | None = Field(None, description="order of the timed trials")
    processes: int | None = Field(None, ge=0, description="worker processes per engine")
    questions: int | None = Field(None, ge=0, description="flexible: questions asked")
    kind: str | None = Field(
        None, description="ipc: the message kind; load: the load point's kind (concurrency, rate)"
    )
    codec: str | None = Field(None, description="ipc: the wire format")
    messages: int | None = Field(None, ge=0, description="ipc: timed messages per sample set")
    measures: str | None = Field(None, description="ipc: what one codec sample times")
    level: float | None = Field(None, ge=0, description="load: concurrency, or requests/s")
    rounds: int | None = Field(None, ge=0, description="load: windows measured at the point")
