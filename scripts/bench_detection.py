"""Detection benchmark: false-alarm and detection rates of the regression decision, on real runs.

Not a test: it measures. Two steps, so the slow part runs once and can be resumed:

    record   real interleaved rounds with the tiny engine: in every round, in a seeded random
             order, one generation from each arm: A and A' (both mlx-lm through the plugin with
             no slowdown) and B5, B10, B20 (the plugin slowing every token by 5, 10, 20%).
             One JSON line per round is appended to DATA, so a killed run resumes where it was.
    analyze  replays the adaptive decision (`mlxguard run --until-decisive`) over the recorded
             rounds, in the order they were measured: a comparison of arms X (baseline) and Y
             (current) starts with --initial rounds, adds --batch rounds while its verdict is
             inconclusive, and stops when decisive or at --max-samples. The next comparison of
             the same pair starts on the next unused round, so comparisons never share a sample
             and none is resampled. A/A is A vs A' and A' vs A (both one-sided directions).
             The naive rule (means within ±10%) is applied to the same samples.

    PYTHONPATH=.:scripts python scripts/bench_detection.py record --minutes 15
    PYTHONPATH=.:scripts python scripts/bench_detection.py analyze
    PYTHONPATH=. python scripts/bench_detection.py synthetic    # known answers, no engine
    PYTHONPATH=. python scripts/bench_detection.py edge         # what the looks cost

`edge` gives the rates at which the look schedule of `--until-decisive` FAILs and PASSes a build
exactly at the tolerance (the worst case of either claim), in the normal model of a sequential
test: one z statistic per look, with independent increments as samples accrue; a FAIL needs
alpha x INTERIM_ALPHA_SHARE at interim looks and alpha at the last, a PASS the 95% interval
at every look.

Across invocations (each results file is one separate `mlxguard run`, minutes apart), `runs`
replays the check itself (`check.evaluate.evaluate`: the same-job rule, the run-level baseline
rule, Holm over the check) and tallies per invocation:

    same job:  --same-job "A/A=aa/*.json" --same-job "10% slower=b10/*.json"
               each file a `run --suite compare` of two definitions; a check with any gated
               fail is a false alarm (A/A) or a detection.
    baselines: --series "a/*.json" [--checked "10% slower=b10/*.json"]
               the A runs in the order they were measured, each checked against the baseline
               of the runs before it (`baseline update`, --keep 10); a checked file against
               the baseline of every A run.

    PYTHONPATH=. python scripts/bench_detection.py runs --same-job "A/A=aa/*.json" \
        --series "a/*.json" --checked "10% slower=b10/*.json"
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mlxguard.defaults import DEFAULT_MAX_SAMPLES

ARMS = {"A": 0.0, "A'": 0.0, "B5": 0.05, "B10": 0.10, "B20": 0.20}
METRICS = ("decode_tps", "ttft_ms", "throughput_tps")


def record(data: Path, minutes: float, max_tokens: int, prompt_tokens: int, seed: int) -> None:
    """Append interleaved rounds to ``data`` until ``minutes`` have passed."""
    from slow_engine import SlowEngine

    from mlxguard.models.synthetic import resolve_model
    from mlxguard.run.prompts import PromptFactory
    from mlxguard.run.timing import Request, generate, metrics_of

    done = sum(1 for _ in data.open(encoding="utf-8")) if data.exists() else 0
    model = str(resolve_model(None))
    engines = {arm: SlowEngine(f) for arm, f in ARMS.items()}
    prompts = PromptFactory(model, seed)
    for arm, engine in engines.items():
        engine.load(model)
        for i in range(2):  # untimed warm-ups
            warmup = prompts.make(prompt_tokens, f"warmup/{arm}/{i}").text
            generate(engine, Request(warmup, max_tokens, temperature=0.0, seed=seed))
    rng = random.Random(f"{seed}/{done}")
    deadline = time.monotonic() + minutes * 60
    with data.open("a", encoding="utf-8") as out:
        i = done
        while time.monotonic() < deadline:
            prompt = prompts.make(prompt_tokens, f"round/{i}").text  # same prompt for every arm
            order = list(engines)
            rng.shuffle(order)
            row: dict[str, object] = {"round": i, "t": time.time(), "order": order}
            for arm in order:
                rec = generate(engines[arm], Request(prompt, max_tokens, seed=seed))
                m = metrics_of(rec)
                row[arm] = {k: m[k][0] for k in METRICS if k in m}
            out.write(json.dumps(row) + "\n")
            out.flush()
            i += 1
    print(f"{data}: {i} rounds ({i - done} new)", file=sys.stderr)


@dataclass
class Outcome:
    verdict: str
    naive: str
    n: int


def _sequential(
    base: list[float], cur: list[float], start: int, args: argparse.Namespace, direction: str
) -> tuple[Outcome, int] | None:
    """One adaptive comparison from round ``start``; None when the data runs out."""
    from mlxguard.check.decision import compare, naive_mean_rule

    n = args.initial
    while start + n <= len(base):
        b, c = base[start : start + n], cur[start : start + n]
        last = n >= args.max_samples
        r = compare(b, c, direction=direction, tolerance=args.tolerance, alpha=args.alpha,
                    seed=start, interim=not last)  # fmt: skip
        if r.verdict != "inconclusive" or last:
            return Outcome(r.verdict, naive_mean_rule(b, c, direction=direction), n), start + n
        n = min(n + args.batch, args.max_samples)
    return None


def _series(rows: list[dict], arm: str, metric: str) -> list[float]:
    return [row[arm][metric] for row in rows]


def _upper95(k: int, n: int) -> float:
    """One-sided 95% upper bound of a rate k/n (Clopper-Pearson, by bisection on the binomial)."""
    if k >= n:
        return 1.0
    lo, hi = k / n, 1.0
    for _ in range(60):
        p = (lo + hi) / 2
        cdf = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1))
        lo, hi = (p, hi) if cdf > 0.05 else (lo, p)
    return hi


def _measured(rows: list[dict]) -> str:
    """The decode slowdown of each arm against A, as measured: median of per-round ratios."""
    import numpy as np

    a = np.log(_series(rows, "A", "decode_tps"))
    parts = []
    for arm, nominal in ARMS.items():
        if arm != "A":
            ratio = float(np.exp(np.median(a - np.log(_series(rows, arm, "decode_tps")))))
            parts.append(f"{arm} (nominal {nominal:.0%}): {ratio - 1:+.1%}")
    return "measured decode slowdown vs A (median of paired per-round ratios): " + ", ".join(parts)


def analyze(data: Path, args: argparse.Namespace) -> str:
    """The Markdown table of rates per comparison kind."""
    from mlxguard.metrics import spec

    rows = [json.loads(line) for line in data.open(encoding="utf-8")]
    rows = [r for r in rows if all(m in r[a] for a in ARMS for m in METRICS)]
    pairs = [("A/A", "A", "A'"), ("A/A", "A'", "A")] + [
        (f"A/B {arm[1:]}% slower", "A", arm) for arm in ARMS if arm.startswith("B")
    ]
    lines = [_measured(rows), ""] if "decode_tps" in args.metrics else []
    lines += [
        f"{len(rows)} rounds; budget: {args.initial} to {args.max_samples} samples per side "
        f"(+{args.batch} per step), tolerance {args.tolerance:.0%}, alpha {args.alpha:g}",
        "",
        "| metric | comparison | runs | fail (mlxguard) | inconclusive | pass | fail (naive ±10%) "
        "| mean samples |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for metric in args.metrics:
        direction = spec(metric).direction
        tallies: dict[str, list[Outcome]] = {}
        for kind, x, y in pairs:
            base, cur = _series(rows, x, metric), _series(rows, y, metric)
            start = 0
            while (step := _sequential(base, cur, start, args, direction)) is not None:
                outcome, start = step
                tallies.setdefault(kind, []).append(outcome)
        for kind, outs in tallies.items():
            n = len(outs)
            fails = sum(o.verdict == "fail" for o in outs)
            naive = sum(o.naive == "fail" for o in outs)

            def rate(k: int, n: int = n) -> str:
                return f"{k / n:.1%} ({k}/{n})"

            fail_cell = rate(fails) + (f", ≤{_upper95(fails, n):.1%}" if kind == "A/A" else "")
            lines.append(
                f"| `{metric}` | {kind} | {n} | {fail_cell} "
                f"| {rate(sum(o.verdict == 'inconclusive' for o in outs))} "
                f"| {rate(sum(o.verdict == 'pass' for o in outs))} | {rate(naive)} "
                f"| {sum(o.n for o in outs) / n:.0f} |"
            )
    return "\n".join(lines) + "\n"


def synthetic(args: argparse.Namespace) -> str:
    """The same adaptive replay on lognormal samples with a known shift (no engine)."""
    import numpy as np

    lines = [
        f"lognormal noise, {args.reps} sequences per cell, budget {args.initial} to "
        f"{args.max_samples} (+{args.batch}); share of fail verdicts (higher-is-better metric)",
        "",
        "| noise σ | no change | 2% slower | 10% slower |",
        "| ---: | ---: | ---: | ---: |",
    ]
    rng = np.random.default_rng(0)
    for sigma in (0.05, 0.1, 0.2):
        cells = []
        for shift in (0.0, 0.02, 0.10):
            fails = 0
            for _ in range(args.reps):
                base = list(100 * np.exp(rng.normal(0, sigma, args.max_samples)))
                cur = list(100 * (1 - shift) * np.exp(rng.normal(0, sigma, args.max_samples)))
                outcome, _ = _sequential(base, cur, 0, args, "higher")
                fails += outcome.verdict == "fail"
            cells.append(f"{fails / args.reps:.1%}")
        lines.append(f"| {sigma} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _files(pattern: str) -> list[Path]:
    import glob

    return [Path(p) for p in sorted(glob.glob(pattern))]


def _labelled(spec: str) -> tuple[str, list[Path]]:
    label, _, pattern = spec.partition("=")
    return label, _files(pattern)


def _tally(mode: str, label: str, reports: list) -> str:
    """One table row: checks, decisive checks (no gated verdict inconclusive), any fail (rate
    with its 95% upper bound), verdicts, resolution."""
    import statistics

    def gated_of(report) -> list:  # the comparisons (targets and parity are bounds)
        return [v for v in report.verdicts if v.kind in ("reference", "baseline")]

    gated = [v for r in reports for v in gated_of(r)]
    fails = sum(any(v.status == "fail" for v in gated_of(r)) for r in reports)
    decisive = sum(all(v.status != "inconclusive" for v in gated_of(r)) for r in reports)
    n = len(reports)
    worst = [x.worst for r in reports for x in r.resolution]
    resolves = f"{statistics.median(worst):.0%}" if worst else "—"
    bound = f", ≤{_upper95(fails, n):.1%}" if n else ""

    def share(status: str) -> str:
        k = sum(v.status == status for v in gated)
        return f"{k}/{len(gated)}"

    return (
        f"| {mode} | {label} | {n} | {decisive}/{n} | {fails}/{n}{bound} | {share('fail')} | "
        f"{share('inconclusive')} | {share('pass')} | {resolves} |"
    )


def runs(args: argparse.Namespace) -> str:
    """The check replayed over separate invocations (results files), both modes."""
    import tempfile

    from mlxguard.baselines import load_baselines, update
    from mlxguard.check.evaluate import evaluate
    from mlxguard.config import load_config
    from mlxguard.results import load_results

    config = load_config(args.config)
    rows = [
        "| mode | comparison | checks | decisive | any gated fail | fail verdicts | inconclusive "
        "| pass | resolves (median) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for spec in args.same_job:
        label, files = _labelled(spec)
        rows.append(_tally("same job", label, [evaluate(load_results(f), config) for f in files]))
    if args.series:
        series = sorted((load_results(f) for f in _files(args.series)),
                        key=lambda r: r.run.started_at)  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            store, reports = Path(tmp), []
            for i, r in enumerate(series):
                if i:  # checked against the baseline of the runs before it
                    reports.append(evaluate(r, config, load_baselines(store)))
                update(r, store, config.check.gated_for, keep=args.keep)
            rows.append(_tally("baselines", "A/A (each vs the runs before it)", reports))
            for spec in args.checked:
                label, files = _labelled(spec)
                checked = [evaluate(load_results(f), config, load_baselines(store)) for f in files]
                rows.append(_tally("baselines", label, checked))
    return "\n".join(rows) + "\n"


def edge(args: argparse.Namespace) -> str:
    """The schedule's FAIL and PASS rates for a build exactly at the tolerance, by simulation of
    its z path: a FAIL needs z beyond the fail level (interim looks at a share of alpha), a
    PASS the interval's worse end within the tolerance (z beyond the 95% interval's, at every
    look). A fixed single look would give alpha and 2.5%. Then the PASS rate of builds worse by
    each of `--worse`, with `--sigma` of noise per sample on the log scale."""
    import numpy as np
    from scipy.stats import norm

    from mlxguard.check.decision import INTERIM_ALPHA_SHARE
    from mlxguard.run.rounds import look_schedule

    rng = np.random.default_rng(args.seed)
    head = ["--max-samples", "looks", f"FAIL at the edge (alpha {args.alpha:g})"]
    head += ["PASS at the edge", *(f"PASS, {w:.0%} worse" for w in args.worse)]
    lines = ["| " + " | ".join(head) + " |", "|" + " ---: |" * len(head)]
    z95 = norm.isf(0.025)
    for cap in args.caps:
        n = np.array(look_schedule(cap), dtype=float)
        steps = rng.standard_normal((args.paths, n.size)) * np.sqrt(np.diff(n, prepend=0.0))
        z = np.cumsum(steps, axis=1) / np.sqrt(n)
        interim = z[:, :-1] > norm.isf(args.alpha * INTERIM_ALPHA_SHARE)
        fails = interim.any(axis=1) | (z[:, -1] > norm.isf(args.alpha))
        # PASS when the estimate plus 1.96 standard errors stays within the tolerance.
        beyond = [math.log((1 + w) / (1 + args.tolerance)) * np.sqrt(n) / args.sigma
                  for w in args.worse]  # fmt: skip
        passes = [(z < -z95 - b).any(axis=1).mean() for b in [0.0, *beyond]]
        cells = [str(cap), str(n.size), f"{fails.mean():.2%}", *(f"{r:.1%}" for r in passes)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record", help="append real interleaved rounds")
    ana = sub.add_parser("analyze", help="replay the adaptive decision; print the table")
    syn = sub.add_parser("synthetic", help="the same replay on lognormal samples")
    rns = sub.add_parser("runs", help="the check replayed over separate invocations")
    edg = sub.add_parser("edge", help="the looks' FAIL and PASS rates at the tolerance")
    edg.add_argument("--caps", type=int, nargs="+", default=[120, 240, DEFAULT_MAX_SAMPLES])
    edg.add_argument("--alpha", type=float, default=0.01)
    edg.add_argument("--paths", type=int, default=400_000)
    edg.add_argument("--seed", type=int, default=0)
    edg.add_argument("--tolerance", type=float, default=0.05)
    edg.add_argument("--worse", type=float, nargs="*", default=[0.07, 0.10])
    # The slowed builds' decode on the H100: a 95% interval of 0.878-0.940 at 240 samples.
    edg.add_argument("--sigma", type=float, default=0.27)
    rns.add_argument("--same-job", action="append", default=[], metavar="LABEL=GLOB")
    rns.add_argument("--series", metavar="GLOB", help="A runs, judged each against the earlier")
    rns.add_argument("--checked", action="append", default=[], metavar="LABEL=GLOB")
    rns.add_argument("--keep", type=int, default=10)
    rns.add_argument("--config", type=Path, default=None)
    syn.add_argument("--reps", type=int, default=300)
    for q in (rec, ana):
        q.add_argument("--data", type=Path, default=Path("bench-detection.jsonl"))
    rec.add_argument("--minutes", type=float, default=15.0)
    rec.add_argument("--max-tokens", type=int, default=16)
    rec.add_argument("--prompt-tokens", type=int, default=16)
    rec.add_argument("--seed", type=int, default=0)
    for q in (ana, syn):
        q.add_argument("--initial", type=int, default=10)
        q.add_argument("--batch", type=int, default=10)
        q.add_argument("--max-samples", type=int, default=DEFAULT_MAX_SAMPLES)
        q.add_argument("--tolerance", type=float, default=0.05)
        q.add_argument("--alpha", type=float, default=0.01)
    ana.add_argument("--metrics", nargs="+", default=["decode_tps"])
    args = p.parse_args()
    if args.cmd == "record":
        os.environ.setdefault("MLXGUARD_CACHE", str(Path.home() / ".cache" / "mlxguard"))
        record(args.data, args.minutes, args.max_tokens, args.prompt_tokens, args.seed)
    elif args.cmd == "synthetic":
        sys.stdout.write(synthetic(args))
    elif args.cmd == "runs":
        sys.stdout.write(runs(args))
    elif args.cmd == "edge":
        sys.stdout.write(edge(args))
    else:
        sys.stdout.write(analyze(args.data, args))


if __name__ == "__main__":
    main()
