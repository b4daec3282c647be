"""How many worker processes per engine, and how many samples per process? (a benchmark)

Runs `mlxguard run --suite compare --candidate ipc --reference ipc --processes N --samples S`
`--repeat` times, then estimates from each arm's samples (log scale, so spreads are relative):

- the variance between processes and within a process (one-way random-effects ANOVA);
- what a process costs (worker start, imports and model load, from `extra.workers`, plus its
  warm-up) and what a sample costs (median `e2e_ms`);
- the samples per process that give the most precise arm median per second of run time
  (Kalibera & Jones, "Rigorous Benchmarking in Reasonable Time", 2013):
  m* = sqrt(c_process / c_sample * var_within / var_between).

    PYTHONPATH=. python scripts/bench_processes.py --processes 4 --samples 24 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

METRICS = ("decode_tps", "ttft_ms")


def run_once(args: argparse.Namespace, out: Path, seed: int) -> dict:
    cmd = [
        sys.executable, "-m", "mlxguard", "run", "--suite", "compare", "--candidate", "ipc",
        "--reference", "ipc", "--processes", str(args.processes), "--samples", str(args.samples),
        "--warmup", "1", "--seed", str(seed), "--quiet", "-o", str(out), "--format", "json",
    ]  # fmt: skip
    if args.model:
        cmd += ["--model", args.model]
    subprocess.run(cmd, check=False, capture_output=True, text=True)
    return json.loads(out.read_text())


def components(values: list[float], processes: list[int]) -> tuple[float, float]:
    """(between-process, within-process) variance of log values: one-way ANOVA, equal groups."""
    groups: dict[int, list[float]] = {}
    for v, p in zip(values, processes, strict=True):
        groups.setdefault(p, []).append(math.log(v))
    n = min(len(g) for g in groups.values())
    means = [statistics.fmean(g[:n]) for g in groups.values()]
    within = statistics.fmean(statistics.variance(g[:n]) for g in groups.values())
    between = max(0.0, statistics.variance(means) - within / n)
    return between, within


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--samples", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    found: dict[str, list[tuple[float, float]]] = {m: [] for m in METRICS}
    process_ms: list[float] = []
    sample_ms: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            data = run_once(args, Path(tmp) / f"r{i}.json", seed=i)
            for b in data["benchmarks"]:
                for m in METRICS:
                    metric = b["metrics"][m]
                    found[m].append(components(metric["samples"], metric["processes"]))
                e2e = statistics.median(b["metrics"]["e2e_ms"]["samples"])
                sample_ms.append(e2e)
                # A process costs its start and load, plus one warm-up request.
                process_ms += [w["load_ms"] + e2e for w in b["extra"]["workers"]]
    c_p, c_s = statistics.median(process_ms), statistics.median(sample_ms)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} runs x 2 arms x "
          f"{args.processes} processes x {args.samples // args.processes} samples")  # fmt: skip
    print(f"cost of a process (start, load, warm-up): {c_p:.0f} ms; of a sample: {c_s:.0f} ms")
    print("| metric | sd between processes | sd within a process | share between | m* |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for m, pairs in found.items():
        b = statistics.fmean(p[0] for p in pairs)
        w = statistics.fmean(p[1] for p in pairs)
        best = math.sqrt(c_p / c_s * w / b) if b > 0 else math.inf
        print(f"| `{m}` | {math.sqrt(b):.1%} | {math.sqrt(w):.1%} | {b / (b + w):.0%} | "
              f"{best:.1f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
