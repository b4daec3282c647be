"""The decode roofline: measured decode speed as a share of what memory bandwidth allows.

Decoding one token reads every weight once (a dense model at batch 1), so a chip with
bandwidth ``B`` cannot decode faster than ``B / bytes per token`` tokens per second.
``decode_roofline_pct`` is each decode sample as a percentage of that ceiling, recorded once
here, per benchmark, where the run knows both the machine's bandwidth (`run.bandwidth`) and
the model's weight bytes per token (`models.files.weight_bytes_per_token`). Where either is
unknown the metric is absent and reports say "unknown".
"""

from __future__ import annotations

from mlxguard.results import Benchmark, Metric, Results

NAME = "decode_roofline_pct"


def ceiling_tps(bandwidth_gbs: float, bytes_per_token: int) -> float:
    """The bandwidth-bound decode speed in tok/s."""
    return bandwidth_gbs * 1e9 / bytes_per_token


def _with_roofline(
    b: Benchmark, bandwidth_gbs: float | None, bytes_per_token: int | None
) -> Benchmark:
    decode = b.metrics.get("decode_tps")
    metrics = {k: v for k, v in b.metrics.items() if k != NAME}
    if decode and decode.samples and bandwidth_gbs and bytes_per_token:
        ceiling = ceiling_tps(bandwidth_gbs, bytes_per_token)
        metrics[NAME] = Metric.of(
            NAME,
            [100.0 * x / ceiling for x in decode.samples],
            [100.0 * x / ceiling for x in decode.warmup_samples],
            processes=decode.processes,
            rounds=decode.rounds,
        )
    return b.model_copy(update={"metrics": metrics})


def with_roofline(results: Results) -> Results:
    """``results`` with ``decode_roofline_pct`` (re)computed for every benchmark that decodes."""
    benchmarks = []
    for b in results.benchmarks:
        info = results.models.get(b.model)
        bandwidth = results.environment_of(b).memory_bandwidth_gbs
        benchmarks.append(
            _with_roofline(b, bandwidth, info.weight_bytes_per_token if info else None)
        )
    return results.model_copy(update={"benchmarks": benchmarks})
