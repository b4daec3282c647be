"""Benchmark (not a test): what mlxguard's harness, and the ipc engine, add to each token.

    MLXGUARD_CACHE=/tmp/mlxguard python scripts/bench_overhead.py [--model tiny] [--rounds 20]

1. The runner's own cost: `timing.generate` (a stamp and two appends per token, bookkeeping,
   `metrics_of`, the progress bar) around `MlxLmEngine`, against a bare `mlx_lm.stream_generate`
   loop on the same model in the same process; rounds interleaved A B A B, per-token time of
   each round = wall time / tokens.
2. The same bookkeeping around tokens replayed from a list (no model), so its cost in ns per
   token is seen without the model's noise.
3. The ipc engine against in-process mlx-lm, both under the harness: decode time per token
   ((t_last - t_first) / (n - 1)) and TTFT, rounds interleaved.

Intervals: the ratio of medians with a 95% percentile bootstrap (mlxguard.check.decision.ratio_ci).
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlxguard.engines.ipc_engine import IpcEngine
from mlxguard.engines.mlx_lm_engine import MlxLmEngine
from mlxguard.models.synthetic import resolve_model
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import PromptFactory
from mlxguard.run.timing import Generation, Request, generate, metrics_of
from mlxguard.stats import ratio_ci

Row = tuple[str, float, float, float | None, float | None, float | None]


def bare_loop(model_dir: str, prompt: str, max_tokens: int) -> Callable[[], float]:
    """A: mlx-lm's own loop, nothing else; returns ns per token."""
    import mlx.core as mx
    from mlx_lm import load, stream_generate
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = load(model_dir)
    tokenizer.eos_token_ids = set()  # as MlxLmEngine(ignore_eos=True)
    sampler = make_sampler(temp=0.0)

    def run() -> float:
        mx.random.seed(0)
        t0, n = time.perf_counter_ns(), 0
        for _ in stream_generate(model, tokenizer, prompt, max_tokens=max_tokens, sampler=sampler):
            n += 1
        return (time.perf_counter_ns() - t0) / n

    return run


def harnessed(engine: object, prompt: str, max_tokens: int, progress: Progress) -> Generation:
    """What the runner does per trial: describe, timed generate, metrics, step."""
    progress.describe("overhead · harness")
    rec = generate(engine, Request(prompt, max_tokens, seed=0))  # type: ignore[arg-type]
    if rec.error:
        raise RuntimeError(rec.error)
    metrics_of(rec)
    progress.step()
    return rec


def recorder(
    engine: object, into: list[Generation], prompt: str, max_tokens: int, progress: Progress
) -> Callable[[], float]:
    """A round that keeps the whole record (for TTFT and decode time)."""

    def run() -> float:
        into.append(harnessed(engine, prompt, max_tokens, progress))
        return 0.0

    return run


def per_token(rec: Generation) -> float:
    return (rec.stamps_ns[-1] - rec.t_sent_ns) / len(rec.tokens)


def decode_per_token(rec: Generation) -> float:
    return (rec.stamps_ns[-1] - rec.stamps_ns[0]) / (len(rec.tokens) - 1)


def interleave(rounds: int, warmup: int, *runs: Callable[[], float]) -> list[list[float]]:
    """Run A B (C...) A B ... `rounds` times after `warmup` untimed rounds."""
    out: list[list[float]] = [[] for _ in runs]
    for r in range(warmup + rounds):
        for i, run in enumerate(runs):
            value = run()
            if r >= warmup:
                out[i].append(value)
    return out


class _Replay:
    """Tokens that already exist: only the harness's own per-token work is left to time."""

    name = "replay"

    def __init__(self, n: int) -> None:
        self.tokens = list(range(n))

    def generate(self, *_: object) -> Iterator[int]:
        yield from self.tokens


def replay_cost_ns(n: int = 200_000, rounds: int = 15) -> float:
    """Median extra ns per token of `timing.generate` over a bare loop on the same iterator."""
    engine, diffs = _Replay(n), []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _token in engine.generate():
            pass
        bare = time.perf_counter_ns() - t0
        t0 = time.perf_counter_ns()
        generate(engine, Request("", n))  # type: ignore[arg-type]
        diffs.append((time.perf_counter_ns() - t0 - bare) / n)
    return statistics.median(diffs)


def row(label: str, a: list[float], b: list[float]) -> Row:
    ratio, lo, hi = ratio_ci(b, a)
    ma, mb = statistics.median(a), statistics.median(b)

    def pct(x: float | None) -> float | None:
        return None if x is None else (x - 1) * 100

    return (label, ma, mb, pct(ratio), pct(lo), pct(hi))


def fmt_ns(ns: float) -> str:
    return f"{ns / 1e3:,.1f} µs" if ns < 1e6 else f"{ns / 1e6:,.3f} ms"


def table(rows: list[Row]) -> str:
    lines = [
        "| comparison (A → B) | A per token | B per token | B − A | overhead (95% CI) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, a, b, pct, lo, hi in rows:
        ci = f"{pct:+.2f}% [{lo:+.2f}, {hi:+.2f}]" if pct is not None else "—"
        lines.append(f"| {label} | {fmt_ns(a)} | {fmt_ns(b)} | {fmt_ns(b - a)} | {ci} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model dir or preset (default: tiny)")
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds per side")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    parser.add_argument("--max-tokens", type=int, default=32, help="tokens per generation")
    parser.add_argument("--prompt-tokens", type=int, default=32, help="prompt length in tokens")
    parser.add_argument("--codecs", default="msgpack,json", help="ipc codecs to compare")
    args = parser.parse_args()

    model_dir = str(resolve_model(args.model))
    prompt = PromptFactory(model_dir, 0).make(args.prompt_tokens, "overhead").text
    progress = Progress()  # as the runner: drawn only when stderr is a terminal
    progress.start(10**9)
    inproc = MlxLmEngine()
    inproc.load(model_dir)
    bare = bare_loop(model_dir, prompt, args.max_tokens)
    try:
        a, b = interleave(
            args.rounds,
            args.warmup,
            bare,
            lambda: per_token(harnessed(inproc, prompt, args.max_tokens, progress)),
        )
        rows = [row("bare `stream_generate` → runner harness", a, b)]
        replay = replay_cost_ns()

        ipc_rows, ttft_rows = [], []
        for codec in args.codecs.split(","):
            ipc = IpcEngine(codec)
            ipc.load(model_dir)
            try:
                ins_all: list[Generation] = []
                outs_all: list[Generation] = []
                interleave(
                    args.rounds,
                    args.warmup,
                    recorder(inproc, ins_all, prompt, args.max_tokens, progress),
                    recorder(ipc, outs_all, prompt, args.max_tokens, progress),
                )
                skip = args.warmup
                ins, outs = ins_all[skip:], outs_all[skip:]
                ipc_rows.append(
                    row(
                        f"in-process mlx-lm → ipc {codec} (decode)",
                        [decode_per_token(r) for r in ins],
                        [decode_per_token(r) for r in outs],
                    )
                )
                ttft_rows.append(
                    row(
                        f"in-process mlx-lm → ipc {codec} (TTFT, per request)",
                        [r.stamps_ns[0] - r.t_sent_ns for r in ins],
                        [r.stamps_ns[0] - r.t_sent_ns for r in outs],
                    )
                )
            finally:
                ipc.close()
    finally:
        progress.stop()
        inproc.close()

    print(
        f"model: {model_dir} · {args.rounds} rounds (+{args.warmup} warm-up) · "
        f"{args.max_tokens} tokens · prompt {args.prompt_tokens} tokens\n"
    )
    print(table(rows + ipc_rows + ttft_rows))
    token_ns = statistics.median(a)
    print(
        f"\nharness bookkeeping alone (replayed tokens, no model): {replay:.0f} ns per token "
        f"= {replay / token_ns * 100:.4f}% of the {fmt_ns(token_ns)} token; goal < 1%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
