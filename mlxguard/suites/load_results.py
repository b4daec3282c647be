"""The load suite's benchmarks: measured windows -> metrics, the `load` section and its flags.

Per request (successful ones, each labelled with its window in `Metric.rounds`): `ttft_ms`,
`tpot_ms`, `e2e_ms`, `queue_ms` (a throttled open loop), `output_tokens`, and `prompt_tokens`
as the server counted them. Per window (one sample each): `output_tps`, `request_rps`, and
`goodput_rps` when SLOs are set. Flags name what a reader must know before reading a figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

from mlxguard.config import Config
from mlxguard.results import Benchmark, Metric, Params, ReferenceComparison
from mlxguard.results.load import LoadSection
from mlxguard.run.load.driver import warmup_count
from mlxguard.run.load.measure import Measured
from mlxguard.run.load.record import RequestRecord
from mlxguard.run.load.shapes import CurvePoint, knee
from mlxguard.stats import percentile

# Consecutive concurrency levels whose output tok/s grew by less than this share: saturated.
MIN_GAIN = 0.10
# Cached prompt tokens a request may report without a flag: the BOS every prompt starts with.
SHARED_PREFIX_TOKENS = 1


def _median(values: list[float]) -> float | None:
    return percentile(values, 50)


def _per_request(m: Measured) -> tuple[list[RequestRecord], list[int]]:
    ok = [(r, w.round) for seen, w in m.windows for r in seen.records if r.ok]
    return [r for r, _ in ok], [n for _, n in ok]


def _metrics(m: Measured) -> dict[str, Metric]:
    ok, rounds = _per_request(m)
    tpot = [(t, n) for r, n in zip(ok, rounds, strict=True) if (t := r.tpot_ms) is not None]
    out = {
        "ttft_ms": Metric.of("ttft_ms", [r.ttft_ms for r in ok], rounds=rounds),
        "tpot_ms": Metric.of("tpot_ms", [t for t, _ in tpot], rounds=[n for _, n in tpot]),
        "e2e_ms": Metric.of("e2e_ms", [r.e2e_ms for r in ok], rounds=rounds),
        "output_tokens": Metric.of("output_tokens", [r.output_tokens for r in ok], rounds=rounds),
    }
    counted = [(u["prompt_tokens"], n) for r, n in zip(ok, rounds, strict=True)
               if (u := r.usage) and "prompt_tokens" in u]  # fmt: skip
    if counted:
        out["prompt_tokens"] = Metric.of(
            "prompt_tokens", [c for c, _ in counted], rounds=[n for _, n in counted]
        )
    if any(w.queue_ms is not None for _, w in m.windows):
        queued = [r.queued_ns / 1e6 for r in ok]
        out["queue_ms"] = Metric.of("queue_ms", queued, rounds=rounds)
    per_window = [w for _, w in m.windows]
    windows = [w.round for w in per_window]
    out["output_tps"] = Metric.of("output_tps", [w.output_tps for w in per_window], rounds=windows)
    out["request_rps"] = Metric.of(
        "request_rps", [w.request_rps for w in per_window], rounds=windows
    )
    good = [w.goodput_rps for w in per_window]
    if all(g is not None for g in good) and good:
        out["goodput_rps"] = Metric.of("goodput_rps", [g or 0.0 for g in good], rounds=windows)
    return out


def _flags(m: Measured) -> list[str]:
    """What the windows of one point show that its figures alone do not."""
    windows = [w for _, w in m.windows]
    records = [r for seen, _ in m.windows for r in seen.records]
    flags = []
    behind = [w for w in windows if w.saturated]
    if behind:
        offered = _median([w.offered_rps or 0.0 for w in behind])
        achieved = _median([w.request_rps for w in behind])
        flags.append(
            f"saturated: the server fell behind the arrivals in {len(behind)} of "
            f"{len(windows)} windows ({achieved:.3g} of {offered:.3g} req/s offered)"
        )
    odd = [r for r in records
           if r.usage and r.prompt_tokens is not None
           and r.usage.get("prompt_tokens", r.prompt_tokens) != r.prompt_tokens]  # fmt: skip
    if odd:
        got = odd[0].usage.get("prompt_tokens") if odd[0].usage else None
        flags.append(
            f"workload: the server counted {got} prompt tokens where the prompt builder made "
            f"{odd[0].prompt_tokens} ({len(odd)} of {len(records)} requests): TTFT and "
            "throughput are not those of the workload asked for"
        )
    cached = [r for r in records if (r.usage or {}).get("cached_tokens", 0) > SHARED_PREFIX_TOKENS]
    if cached:
        total = sum((r.usage or {}).get("cached_tokens", 0) for r in cached)
        flags.append(
            f"prefix cache: {len(cached)} of {len(records)} requests were served {total} prompt "
            "tokens from the server's cache, though no two prompts share a prefix"
        )
    if records and not any(r.usage for r in records):
        flags.append("workload: the server reported no usage counts; what it saw is unknown")
    stalls = sum(w.stalls for w in windows)
    if stalls:
        ok, _ = _per_request(m)
        worst, median = max(r.e2e_ms for r in ok), _median([r.e2e_ms for r in ok])
        flags.append(
            f"stalls: {stalls} request(s) far beyond their window's median e2e (worst "
            f"{worst:,.0f} ms, median {median or 0:,.0f} ms): window figures hide them, "
            "per-request medians do not"
        )
    failed = sum(w.failures for w in windows)
    if failed:
        flags.append(f"failures: {failed} of {len(records)} requests failed")
    return flags


def _closed_loop_saturation(measured: list[Measured]) -> dict[tuple[str, str], str]:
    """Per engine, the concurrency levels that added under MIN_GAIN output tok/s over the
    level below them: (scenario, engine) -> the flag."""
    out = {}
    for engine in dict.fromkeys(m.engine for m in measured):
        levels = sorted(
            (m for m in measured if m.engine == engine and m.point.kind == "concurrency"),
            key=lambda m: m.point.level,
        )
        for low, high in pairwise(levels):
            a = _median([w.output_tps for _, w in low.windows]) or 0.0
            b = _median([w.output_tps for _, w in high.windows]) or 0.0
            if a > 0 and b < (1 + MIN_GAIN) * a:
                out[(high.point.scenario, engine)] = (
                    f"saturated: {b:,.1f} output tok/s at concurrency {high.point.level:g}, "
                    f"under {MIN_GAIN:.0%} more than {a:,.1f} at {low.point.level:g}"
                )
    return out


def _knees(measured: list[Measured], factor: float) -> set[tuple[str, str]]:
    """Per engine of a sweep, the rate point at its knee (shapes.knee)."""
    out = set()
    for engine in dict.fromkeys(m.engine for m in measured):
        mine = [m for m in measured if m.engine == engine]
        sync = next((m for m in mine if m.point.kind == "concurrency" and m.point.level == 1), None)
        rates = sorted((m for m in mine if m.point.kind == "rate"), key=lambda m: m.point.level)
        base = sync and _median([w.ttft_ms.p90 or 0.0 for _, w in sync.windows])
        if not rates or not base:
            continue
        curve = [
            CurvePoint(
                m.point.level,
                2 * sum(w.saturated for _, w in m.windows) > len(m.windows),
                _median([w.ttft_ms.p90 for _, w in m.windows if w.ttft_ms.p90 is not None]),
            )
            for m in rates
        ]
        at = knee(curve, base, factor=factor)
        if at >= 0:
            out.add((rates[at].point.scenario, engine))
    return out


def _sweep_role(m: Measured, config: Config) -> str | None:
    if not config.load.sweep:
        return None
    if m.point.kind == "rate":
        return "rate"
    return "synchronous" if m.point.level == 1 else "throughput"


def benchmarks_of(
    measured: list[Measured],
    config: Config,
    model: str,
    specs: Mapping[str, str],
    reference: ReferenceComparison | None,
) -> list[Benchmark]:
    """One benchmark per point and engine; the first engine's name the second as reference."""
    s = config.load
    saturated = _closed_loop_saturation(measured)
    knees = _knees(measured, s.knee_factor) if s.sweep else set()
    out = []
    first = next(iter(specs))
    for m in measured:
        key = (m.point.scenario, m.engine)
        records = [r for seen, _ in m.windows for r in seen.records]
        ok = [r for r in records if r.ok]
        section = LoadSection(
            kind=m.point.kind,
            level=m.point.level,
            burstiness=m.point.burstiness if m.point.kind == "rate" else None,
            max_concurrency=m.point.max_concurrency,
            sweep=_sweep_role(m, config),
            knee=key in knees,
            prompt_tokens=s.prompt_tokens or config.prompt_tokens,
            output_tokens=s.output_tokens,
            warmup_requests=warmup_count(m.point, s.warmup_waves),
            slo=s.slo.bounds(),
            windows=[w for _, w in m.windows],
            flags=_flags(m) + ([saturated[key]] if key in saturated else []),
        )
        errors = list(dict.fromkeys(r.error for r in records if r.error))
        out.append(
            Benchmark(
                suite="load",
                engine=m.engine,
                engine_spec=specs[m.engine],
                model=model,
                scenario=m.point.scenario,
                params=Params(
                    kind=m.point.kind,
                    level=m.point.level,
                    prompt_tokens=section.prompt_tokens,
                    max_tokens=section.output_tokens,
                    rounds=len(m.windows),
                ),
                metrics=_metrics(m),
                trials=len(records),
                successes=len(ok),
                errors=[str(e) for e in errors[:5]],
                load=section,
                reference=reference if reference is not None and m.engine == first else None,
            )
        )
    return out
