"""The `load` section of a benchmark: one load point, window by window (the load suite).

Each benchmark of the load suite is one load point of one engine; its metrics hold the samples
the check judges (per request: `ttft_ms`, `tpot_ms`, `e2e_ms`, `queue_ms`; per window:
`output_tps`, `request_rps`, `goodput_rps`; every sample labelled with its window in
`Metric.rounds`), and this section holds what a reader needs besides: the shape, each window's
figures, and the flags (saturation, the workload the server saw, stalls).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mlxguard.results.base import Frozen, Measured


class Percentiles(Frozen):
    """p50, p90 and p99 of one figure over a window's requests (or token gaps), in its unit;
    null when the window has no value for it."""

    p50: Measured | None = None
    p90: Measured | None = None
    p99: Measured | None = None


class LoadWindow(Frozen):
    """One timed window (one round) of one load point, warm-ups excluded."""

    round: int = Field(ge=0, description="the window's round (0-based), as in `Metric.rounds`")
    requests: int = Field(ge=0, description="timed requests sent")
    failures: int = Field(ge=0, description="requests that failed or streamed nothing")
    duration_s: Measured = Field(description="first send (or planned arrival) -> last end, s")
    offered_rps: Measured | None = Field(
        description="open loop: requests / span of the planned arrivals, req/s; null: closed"
    )
    request_rps: Measured = Field(description="successful requests / duration, req/s")
    output_tps: Measured = Field(description="output tokens of successful requests / duration")
    goodput_rps: Measured | None = Field(
        description="requests meeting every SLO / duration, req/s; null when no SLO is set"
    )
    ttft_ms: Percentiles
    tpot_ms: Percentiles = Field(description="per request: (e2e - TTFT) / (output tokens - 1)")
    itl_ms: Percentiles = Field(description="every gap between two pieces of output, pooled")
    e2e_ms: Percentiles
    queue_ms: Percentiles | None = Field(
        default=None, description="open loop with max_concurrency: wait for a client slot"
    )
    late_ms_p99: Measured | None = Field(
        default=None, description="open loop: p99 of the client's own lag behind the plan, ms"
    )
    saturated: bool = Field(description="open loop: the server fell behind the arrivals")
    stalls: int = Field(ge=0, description="requests whose e2e exceeds stall_factor x the median")
    usage_reported: int = Field(ge=0, description="requests whose server reported usage counts")
    prompt_mismatches: int = Field(
        ge=0, description="requests whose server-counted prompt length differs from the builder's"
    )
    cached_prompt_tokens: int = Field(
        ge=0, description="prompt tokens the server said it served from its cache, summed"
    )
    errors: list[str] = Field(default_factory=list, description="distinct errors (at most 5)")

    @model_validator(mode="after")
    def _within_requests(self) -> LoadWindow:
        if self.failures > self.requests:
            raise ValueError(f"{self.failures} failures of {self.requests} requests")
        return self


class LoadSection(Frozen):
    """load suite: one load point, its settings, windows and flags."""

    kind: Literal["concurrency", "rate"] = Field(
        description="`concurrency`: closed loop; `rate`: open loop with seeded gamma arrivals"
    )
    level: Measured = Field(description="requests in flight, or requests per second offered")
    burstiness: float | None = Field(
        default=None, description="open loop: gamma shape of the gaps (1: Poisson)"
    )
    max_concurrency: int | None = Field(
        ge=0, default=None, description="open loop: requests the client lets in flight at once"
    )
    sweep: Literal["synchronous", "throughput", "rate"] | None = Field(
        default=None, description="the point's role in a sweep; null outside a sweep"
    )
    knee: bool = Field(default=False, description="the sweep's knee (see docs/load.md)")
    prompt_tokens: int = Field(ge=0, description="mean prompt length asked, tokens")
    output_tokens: int = Field(ge=0, description="mean output length asked, tokens")
    warmup_requests: int = Field(ge=0, description="untimed requests before each window")
    slo: dict[str, Measured] = Field(
        default_factory=dict, description="the SLOs goodput counts against (ttft_ms, ...)"
    )
    windows: list[LoadWindow] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list,
        description="what a reader must know: saturation, a workload the server saw "
        "differently, a prefix cache hit unasked, stalls",
    )
