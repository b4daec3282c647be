"""The load client's own ceiling, against the latencies it measures (docs/load.md).

1. Against `scripts/sse_server.py` with no latency of its own, the client's CPU time per
   request and per streamed piece of output (`time.process_time` of this process over a
   window), and the latencies it sees there (the floor: client, loopback and that server).
2. Against a real `mlx_lm.server` on the tiny synthetic model, the latencies at the same loads.
3. The share the client can add: at concurrency c a batching server emits c pieces at once, so
   the last is stamped at most c x (CPU per piece) late, compared with the TPOT measured there;
   and the CPU of sending a request and reading one piece (a one-token request), compared with
   the TTFT measured there. The floor TTFT (against the zero-latency server) is shown too: it
   also holds that server's own cost.

    PYTHONPATH=. python scripts/bench_load_client.py --concurrency 1 2 4 8 --rate 8
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from mlxguard.config import EngineDefinition
from mlxguard.engines.server import ManagedServer, free_port
from mlxguard.models.synthetic import resolve_model
from mlxguard.run.load.client import OpenAIClient
from mlxguard.run.load.driver import run_window
from mlxguard.run.load.shapes import LoadPoint
from mlxguard.run.load.window import summarize
from mlxguard.run.load.workload import Lengths, build_requests
from mlxguard.run.prompts import PromptFactory
from mlxguard.stats import percentile

HERE = Path(__file__).resolve().parent


async def _send_cost(url: str, model: str, points: list[LoadPoint], n: int) -> dict[str, float]:
    """Client CPU per one-token request, ms: sending it and reading its one piece."""
    factory = PromptFactory(model, 0)
    out = {}
    async with OpenAIClient(f"openai:{url}", model) as client:
        for point in points:
            reqs = build_requests(factory, Lengths(128, 1), n, f"{point.scenario}:one")
            await run_window(client, point, [], reqs[:4], "warm")
            cpu = time.process_time()
            await run_window(client, point, [], reqs, "bench")
            out[point.scenario] = (time.process_time() - cpu) / len(reqs) * 1e3
    return out


async def _windows(url: str, model: str, points: list[LoadPoint], n: int, out_tokens: int):
    factory = PromptFactory(model, 0)
    rows = {}
    async with OpenAIClient(f"openai:{url}", model) as client:
        for point in points:
            reqs = build_requests(factory, Lengths(128, out_tokens), n, point.scenario)
            warm = reqs[: max(2, int(point.level))]
            await run_window(client, point, warm, warm, "warm")
            cpu = time.process_time()
            window = await run_window(client, point, [], reqs, "bench")
            cpu = time.process_time() - cpu
            chunks = sum(len(r.chunk_ns) for r in window.records)
            figures = summarize(window, 0, {}, 3.0)
            rows[point.scenario] = (figures, cpu / len(reqs) * 1e3, cpu / max(chunks, 1) * 1e6)
            gaps = [g for r in window.records for g in r.itl_ms]
            rows[point.scenario] += (percentile(gaps, 50),)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rate", type=float, nargs="*", default=[8.0])
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--output-tokens", type=int, default=64)
    args = parser.parse_args()
    model = str(resolve_model(None))
    points = [LoadPoint("concurrency", c) for c in args.concurrency]
    points += [LoadPoint("rate", r) for r in args.rate]

    port = free_port()
    zero = subprocess.Popen([sys.executable, str(HERE / "sse_server.py"), "--port", str(port)])
    try:
        time.sleep(2)
        url = f"http://127.0.0.1:{port}/v1"
        floor = asyncio.run(_windows(url, model, points, args.requests, args.output_tokens))
        send = asyncio.run(_send_cost(url, model, points, args.requests))
    finally:
        zero.terminate()
        zero.wait()
    definition = EngineDefinition(
        spec="openai:http://127.0.0.1:{port}/v1",
        command=[sys.executable, "-m", "mlx_lm", "server", "--model", "{model}", "--port",
                 "{port}"],
    )  # fmt: skip
    server = ManagedServer("mlx_lm.server", definition, model)
    server.start()
    try:
        real = asyncio.run(_windows(server.url, model, points, args.requests, args.output_tokens))
    finally:
        server.stop()

    print(
        "| point | client CPU / request | client CPU / piece | floor TTFT p50 | floor ITL p50 "
        "| client CPU / 1-token request | mlx_lm.server TTFT p50 | TPOT p50 "
        "| added to a token, worst | share of TPOT | share of TTFT "
        "| client late p99, floor / mlx_lm.server |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for point in points:
        f, cpu_req, cpu_piece, floor_gap = floor[point.scenario]
        r = real[point.scenario][0]
        burst = (point.level if point.kind == "concurrency" else 1) * cpu_piece / 1e3  # ms
        tpot = r.tpot_ms.p50 or float("nan")
        ttft = r.ttft_ms.p50 or float("nan")
        late = f.late_ms_p99, r.late_ms_p99
        print(
            f"| {point.scenario} | {cpu_req:.2f} ms | {cpu_piece:.0f} µs | "
            f"{f.ttft_ms.p50:.2f} ms | {floor_gap:.3f} ms | {send[point.scenario]:.3f} ms | "
            f"{ttft:.1f} ms | {tpot:.2f} ms | {burst:.3f} ms | {burst / tpot:.2%} | "
            f"{send[point.scenario] / ttft:.2%} | "
            f"{' / '.join('—' if x is None else f'{x:.1f} ms' for x in late)} |"
        )


if __name__ == "__main__":
    main()
