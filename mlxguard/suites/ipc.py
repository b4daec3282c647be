"""The `ipc` suite: JSON vs MessagePack cost per message, and the worker's round trip.

Every message is timed on its own with `perf_counter_ns`; the timer's own cost (the median of
back-to-back calls, measured first, as hyperfine measures shell spawning) is subtracted from
each sample and recorded in each benchmark's `timer`. No model is needed: round trips use `echo`.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from mlxguard.config import Config
from mlxguard.defaults import IPC_MAX_MESSAGES, IPC_MESSAGES_PER_SAMPLE, NO_MODEL
from mlxguard.engines.definitions import EngineChoice
from mlxguard.ipc.codec import CODECS, Codec, get_codec
from mlxguard.results import Benchmark, EngineEnvironment, Metric, Params, Timer
from mlxguard.run.context import OneLook, SuiteContext
from mlxguard.run.plan import Scenario
from mlxguard.suites.ipc_payloads import KINDS, messages

WARMUP_PER_UNIT = 50  # untimed messages per `--warmup` unit (at least one unit)
CALIBRATION_CALLS = 20_000


def message_count(samples: int) -> int:
    """Timed messages per scenario for `samples`."""
    return max(1, min(samples * IPC_MESSAGES_PER_SAMPLE, IPC_MAX_MESSAGES))


def calibrate_timer(calls: int = CALIBRATION_CALLS) -> Timer:
    """The cost of one timed interval with nothing in it: back-to-back `perf_counter_ns`."""
    clock = time.perf_counter_ns
    gaps = []
    for _ in range(calls):
        t0 = clock()
        gaps.append(clock() - t0)
    gaps.sort()
    return Timer(
        overhead_ns=gaps[len(gaps) // 2],
        min_ns=gaps[0],
        calls=calls,
        resolution_ns=time.get_clock_info("perf_counter").resolution * 1e9,
    )


def _us(raw_ns: list[int], overhead_ns: int) -> list[float]:
    # Floored at 0: a sample faster than the median timer overhead is timer noise.
    return [max(ns - overhead_ns, 0) / 1e3 for ns in raw_ns]


def time_codec(
    codec: Codec, msg: Any, n: int, warmup: int, overhead_ns: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Encode and decode `msg` `warmup + n` times, each call timed alone.

    Returns:
        metric -> (timed samples, warm-up samples), in µs.
    """
    clock, dumps, loads = time.perf_counter_ns, codec.dumps, codec.loads
    enc: list[int] = []
    dec: list[int] = []
    for _ in range(warmup + n):
        t0 = clock()
        body = dumps(msg)
        t1 = clock()
        loads(body)
        t2 = clock()
        enc.append(t1 - t0)
        dec.append(t2 - t1)
    return {
        "encode_us": (_us(enc[warmup:], overhead_ns), _us(enc[:warmup], overhead_ns)),
        "decode_us": (_us(dec[warmup:], overhead_ns), _us(dec[:warmup], overhead_ns)),
    }


def time_roundtrip(
    engine: Any, msg: Any, n: int, warmup: int, overhead_ns: int
) -> tuple[list[float], list[float]]:
    """`echo` `msg` through the worker `warmup + n` times: (timed, warm-up) round trips in µs."""
    clock, request, params = time.perf_counter_ns, engine.request, {"payload": msg}
    raw: list[int] = []
    for _ in range(warmup + n):
        t0 = clock()
        request("echo", params)
        raw.append(clock() - t0)
    return _us(raw[warmup:], overhead_ns), _us(raw[:warmup], overhead_ns)


def codec_benchmarks(n: int, warmup: int, timer: Timer) -> list[Benchmark]:
    """One benchmark per codec and message kind: encode_us, decode_us, bytes, ratio."""
    msgs = messages()
    json_bytes = {k: len(get_codec("json").dumps(m)) for k, m in msgs.items()}
    out = []
    for name in CODECS:
        codec = get_codec(name)
        for kind, msg in msgs.items():
            gc.collect()
            timed = time_codec(codec, msg, n, warmup, timer.overhead_ns)
            size = len(codec.dumps(msg))
            metrics = {m: Metric.of(m, s, w) for m, (s, w) in timed.items()}
            metrics["bytes"] = Metric.of("bytes", [float(size)])
            metrics["compression_ratio"] = Metric.of("compression_ratio", [json_bytes[kind] / size])
            params = Params(kind=kind, codec=name, messages=n, warmup=warmup,
                            measures="body only, without framing")  # fmt: skip
            out.append(
                Benchmark(
                    suite="ipc",
                    engine=name,
                    model=NO_MODEL,
                    scenario=f"{name}-{kind}",
                    params=params,
                    metrics=metrics,
                    trials=n,
                    successes=n,
                    timer=timer,
                )
            )
    return out


def roundtrip_benchmarks(n: int, warmup: int, timer: Timer) -> list[Benchmark]:
    """One benchmark per codec and kind: a frame to the `ipc` worker's `echo` and back."""
    from mlxguard.engines.ipc_engine import IpcEngine

    msgs = messages()
    out = []
    for name in CODECS:
        engine = IpcEngine(name)
        try:
            for kind, msg in msgs.items():
                params = Params(kind=kind, codec=name, messages=n, warmup=warmup)
                scenario = f"roundtrip-{name}-{kind}"
                try:
                    echoed = engine.request("echo", {"payload": msg})["payload"]
                    if echoed != msg:
                        raise ValueError(f"echo of the {kind} message came back different")
                    gc.collect()
                    samples, warm = time_roundtrip(engine, msg, n, warmup, timer.overhead_ns)
                except Exception as e:  # a broken worker is a failed benchmark, not a crash
                    err = f"{type(e).__name__}: {e}"
                    out.append(Benchmark(suite="ipc", engine="ipc", model=NO_MODEL,
                                         scenario=scenario, params=params, trials=1,
                                         errors=[err]))  # fmt: skip
                    continue
                out.append(
                    Benchmark(
                        suite="ipc",
                        engine="ipc",
                        model=NO_MODEL,
                        scenario=scenario,
                        params=params,
                        metrics={"roundtrip_us": Metric.of("roundtrip_us", samples, warm)},
                        trials=n,
                        successes=n,
                        timer=timer,
                        engine_environment=EngineEnvironment.from_info(engine.info()),
                    )
                )
        finally:
            engine.close()
    return out


def _run(ctx: SuiteContext) -> list[Benchmark]:
    """Codec cost per message for both codecs and three kinds, then the worker round trips."""
    n = message_count(ctx.config.samples)
    warmup = max(1, ctx.config.warmup) * WARMUP_PER_UNIT
    progress = ctx.progress
    progress.note(f"ipc: {len(CODECS)} codecs x {len(KINDS)} message kinds x {n} messages")
    progress.start(2)
    try:
        timer = calibrate_timer()
        progress.describe(f"ipc codecs · {len(CODECS)} x {len(KINDS)} x {n} messages")
        out = codec_benchmarks(n, warmup, timer)
        progress.step()
        progress.describe(f"ipc round trips · {len(CODECS)} x {len(KINDS)} x {n} messages")
        out += roundtrip_benchmarks(n, warmup, timer)
        progress.step()
    finally:
        progress.stop()
    return out


class IpcSuite(OneLook):
    """Fixed messages through both codecs and the worker: no model, no engine to choose."""

    name = "ipc"
    description = "JSON vs MessagePack codec cost per message, and the worker round trip"
    options = frozenset({"samples"})  # in units of IPC_MESSAGES_PER_SAMPLE messages

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        return {}

    def scenarios(self, config: Config) -> list[Scenario]:
        return []

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        return _run(ctx)


IPC = IpcSuite()
