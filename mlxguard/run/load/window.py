"""The figures of one load window, from its request records (pure: no clock, no engine).

Rates divide by the window's duration, from its start to the end of its last request (as
vLLM's `bench serve` and AIPerf divide by the benchmark's duration). TPOT is per request:
(e2e - TTFT) / (output tokens - 1), with the server's token count where it gives one. ITL is
pooled: every gap between two pieces of output of every successful request. A request is good
when it succeeded and meets every SLO that is set (`ttft_ms`, `tpot_ms`, `e2e_ms`; a one-token
request has no TPOT and meets a TPOT SLO, as in vLLM); goodput is good requests per second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mlxguard.results.load import LoadWindow, Percentiles
from mlxguard.run.load.driver import Window
from mlxguard.run.load.record import NS_PER_MS, RequestRecord
from mlxguard.stats import percentile

SLO_KEYS = ("ttft_ms", "tpot_ms", "e2e_ms")
# An open loop fell behind when the median e2e of its last third of requests is this many
# times that of its first third (a queue that grows), or it completed under this share of
# the requests per second it was offered.
BACKLOG_GROWTH = 1.5
MIN_ACHIEVED_SHARE = 0.8
# Errors kept per window.
MAX_ERRORS = 5


def percentiles(values: Sequence[float]) -> Percentiles:
    """p50, p90 and p99 (linear interpolation); nulls for no values."""
    return Percentiles(
        p50=percentile(values, 50), p90=percentile(values, 90), p99=percentile(values, 99)
    )


def meets(record: RequestRecord, slo: Mapping[str, float]) -> bool:
    """The request succeeded and meets every SLO set."""
    if not record.ok:
        return False
    tpot = record.tpot_ms
    figures = {"ttft_ms": record.ttft_ms, "tpot_ms": 0.0 if tpot is None else tpot,
               "e2e_ms": record.e2e_ms}  # fmt: skip
    return all(figures[key] <= bound for key, bound in slo.items())


def _median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)


def _fell_behind(ok: list[RequestRecord], offered: float | None, achieved: float) -> bool:
    """Open loop: a growing backlog, or far fewer completions per second than arrivals."""
    if offered is None:
        return False
    third = len(ok) // 3
    if third >= 2:
        by_plan = sorted(ok, key=lambda r: r.planned_ns or 0)
        first = _median([r.e2e_ms for r in by_plan[:third]])
        last = _median([r.e2e_ms for r in by_plan[-third:]])
        if first and last and last > BACKLOG_GROWTH * first:
            return True
    return achieved < MIN_ACHIEVED_SHARE * offered


def _offered(records: Sequence[RequestRecord]) -> float | None:
    """Requests / span of their planned arrivals (the n - 1 gaps), req/s; None: closed loop."""
    planned = sorted(r.planned_ns for r in records if r.planned_ns is not None)
    if len(planned) < 2 or planned[-1] == planned[0]:
        return None
    return (len(planned) - 1) / ((planned[-1] - planned[0]) / 1e9)


def summarize(
    window: Window, round_: int, slo: Mapping[str, float], stall_factor: float
) -> LoadWindow:
    """The figures of one window."""
    records = window.records
    ok = [r for r in records if r.ok]
    seconds = window.duration_s or float("nan")
    achieved = len(ok) / seconds if ok else 0.0
    offered = _offered(records)
    e2e = [r.e2e_ms for r in ok]
    median_e2e = _median(e2e)
    queued = [r.queued_ns / NS_PER_MS for r in records if r.planned_ns is not None]
    late = [x for r in records if (x := r.late_ms) is not None]
    throttled = any(r.queued_ns for r in records)
    errors = list(dict.fromkeys(r.error for r in records if r.error))[:MAX_ERRORS]
    with_usage = [r for r in ok if r.usage]
    return LoadWindow(
        round=round_,
        requests=len(records),
        failures=len(records) - len(ok),
        duration_s=window.duration_s,
        offered_rps=offered,
        request_rps=achieved,
        output_tps=sum(r.output_tokens for r in ok) / seconds if ok else 0.0,
        goodput_rps=sum(meets(r, slo) for r in ok) / seconds if slo and ok else None,
        ttft_ms=percentiles([r.ttft_ms for r in ok]),
        tpot_ms=percentiles([t for r in ok if (t := r.tpot_ms) is not None]),
        itl_ms=percentiles([gap for r in ok for gap in r.itl_ms]),
        e2e_ms=percentiles(e2e),
        queue_ms=percentiles(queued) if throttled else None,
        late_ms_p99=percentile(late, 99),
        saturated=_fell_behind(ok, offered, achieved),
        stalls=sum(x > stall_factor * median_e2e for x in e2e) if median_e2e else 0,
        usage_reported=len(with_usage),
        prompt_mismatches=sum(
            r.prompt_tokens is not None
            and (r.usage or {}).get("prompt_tokens", r.prompt_tokens) != r.prompt_tokens
            for r in with_usage
        ),
        cached_prompt_tokens=sum((r.usage or {}).get("cached_tokens", 0) for r in with_usage),
        errors=[str(e) for e in errors],
    )
