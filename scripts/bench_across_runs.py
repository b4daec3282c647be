"""Detection benchmark across invocations: how often does a check cry wolf, and what does it catch?

Not a test: it measures the way users meet the tool. Every comparison is built from separate
`mlxguard run` invocations (separate processes, run one after another over tens of minutes),
never from samples of one process. Two modes, each appending one JSON line per invocation to
its data file (with the invocation's results file kept beside it, so every figure can be
replayed with `mlxguard check`):

    same-job   `mlxguard run --suite compare --candidate X --reference A --until-decisive`,
               where A and A2 are identical engine definitions (mlx-lm through the slowed
               plugin with no slowdown) and B5, B10, B20 slow every token by 5, 10, 20%
               (scripts/slow_engine.py). The order of the invocations is a seeded shuffle, so
               drift over the session spreads over every arm. Outcome per invocation: any FAIL.
    baselines  a series of `mlxguard run --suite ttft,throughput` invocations. Each run of A is
               checked against the baseline built from the A runs before it, then recorded with
               `baseline update`; each run of a slowed arm is checked against the same history
               and never recorded. Outcome per check: any FAIL, and the detectable change the
               check reported.
    gate       the default pull-request gate, as the action runs it: `mlxguard run --suite compare
               --candidate X --reference A --until-decisive` with mlxguard's defaults (no
               --max-tokens, processes and budget as mlxguard chooses them), X being A2 (A/A) or
               B10 (10% slower), in a seeded order. Prints, per arm: invocations decisive (no
               same-job verdict inconclusive), invocations with a FAIL, and the median wall time.
               Small on purpose: `--aa 2 --per-arm 2` takes a few minutes on a GPU machine.
    analyze    the Markdown table of both modes from the data files.
    looks      re-judges fixed runs (`run --suite compare --samples N`, no --until-decisive) at
               each look of the round schedule, from each file's first rounds, as
               `--until-decisive` would have judged them; prints the statuses at every look
               to the first decisive (`--every-look`: all of them), up to 480 samples;
               `--detail` adds each verdict's ratio, interval and Holm-adjusted p.
    arms       per-arm folders of the results files (`same-job-arms/a`, `baselines-arms/b10`...),
               for `scripts/bench_detection.py runs`, which replays the check over them.

    PYTHONPATH=.:scripts python scripts/bench_across_runs.py same-job --aa 20 --per-arm 10
    PYTHONPATH=.:scripts python scripts/bench_across_runs.py baselines --aa 20 --per-arm 10
    python scripts/bench_across_runs.py gate --aa 20 --per-arm 10 [--model llama-3.2-1b]
    python scripts/bench_across_runs.py analyze
    python scripts/bench_across_runs.py looks run1.json run2.json

A killed run resumes: invocations already in the data file are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlxguard.check.verdicts import Verdict

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "docs" / "data" / "across-runs"
SLOWDOWN = {"A0": 0.0, "A": 0.0, "A2": 0.0, "B5": 0.05, "B10": 0.10, "B20": 0.20}


def _config(path: Path) -> Path:
    """Engine definitions, one per arm: one plugin spec, the slowdown in the environment.

    Each runs in worker processes from this checkout with one spec, as the action's head and
    base do, so the check judges the pair as head against base (the tolerance, default 5%).
    """
    pythonpath = json.dumps(os.pathsep.join([str(ROOT), str(ROOT / "scripts")]))
    lines = [
        f'[engines.{arm}]\nspec = "slow_engine:from_env"\ncwd = {json.dumps(str(ROOT))}\n'
        f'env = {{ PYTHONPATH = {pythonpath}, SLOW_ENGINE_FRACTION = "{fraction}" }}\n'
        for arm, fraction in SLOWDOWN.items()
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _env() -> dict[str, str]:
    paths = [str(ROOT), str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _mlxguard(args: list[str]) -> tuple[int, float, str]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mlxguard", *args], env=_env(), capture_output=True, text=True
    )
    return done.returncode, time.monotonic() - start, done.stderr[-2000:]


def _verdicts(report: Path) -> list[dict]:
    if not report.exists():
        return []
    doc = json.loads(report.read_text(encoding="utf-8"))
    return doc.get("verdicts", [])


def _summary(verdicts: list[dict]) -> dict:
    """Statuses of the comparisons (targets are absolute limits, not regressions: kept apart)."""
    compared = [v for v in verdicts if v.get("kind") != "target"]
    statuses = [v.get("status") for v in compared]
    return {
        "fail": statuses.count("fail"),
        "pass": statuses.count("pass"),
        "inconclusive": statuses.count("inconclusive"),
        "skipped": statuses.count("skipped"),
        "target_fail": sum(
            1 for v in verdicts if v.get("kind") == "target" and v.get("status") == "fail"
        ),
        "failed": [
            f"{v.get('kind')} {v.get('scenario')} {v.get('metric')}"
            for v in compared
            if v.get("status") == "fail"
        ],
        "detectable_change": [v["detectable"] for v in compared if v.get("detectable")],
    }


def _done(data: Path) -> set[int]:
    if not data.exists():
        return set()
    return {json.loads(line)["i"] for line in data.open(encoding="utf-8") if line.strip()}


def _schedule(aa: int, per_arm: int, seed: int, history: int = 0) -> list[str]:
    """``history`` runs of A first (they build a baseline), then every arm in a seeded order."""
    arms = ["A"] * aa + ["B5", "B10", "B20"] * per_arm
    random.Random(seed).shuffle(arms)
    return ["A0"] * history + arms


def _series(out: Path) -> tuple[Path, Path, set[int]]:
    """A series' directory (made), its engine definitions and the invocations already done."""
    out.mkdir(parents=True, exist_ok=True)
    return out, _config(out / "engines.toml"), _done(out / "invocations.jsonl")


def same_job(args: argparse.Namespace) -> None:
    """Separate `run --suite compare --until-decisive` invocations, one line each."""
    out, cfg, done = _series(args.data / "same-job")
    extra = ["--max-tokens", str(args.max_tokens)]
    for i, arm in enumerate(_schedule(args.aa, args.per_arm, args.seed)):
        if i not in done:
            _invocation("same-job", out, cfg, i, arm, args.seed, extra)


def _invocation(
    mode: str,
    out: Path,
    cfg: Path,
    i: int,
    arm: str,
    seed: int,
    extra: list[str],
    load: float | None = None,
) -> None:
    """One `run --suite compare --until-decisive` of `arm` against A, appended to the data."""
    candidate = "A2" if arm == "A" else arm
    results, report = out / f"{i:03d}.results.json", out / f"{i:03d}.report.json"
    code, wall, err = _mlxguard([
        "run", "--suite", "compare", "--candidate", candidate, "--reference", "A",
        "--config", str(cfg), "--until-decisive", "--seed", str(seed + i), "--quiet",
        "-o", str(results), "--format", "json", "--report", str(report), *extra,
    ])  # fmt: skip
    costs = _costs(results)
    row = {"i": i, "arm": arm, "t": time.time(), "exit": code, "wall_s": round(wall, 1),
           **({"load_1m": load} if load is not None else {}),
           **_summary(_verdicts(report)), **costs}  # fmt: skip
    if code == 2 or not report.exists():
        # No report is no verdict (an engine that could not start exits 1 without one).
        row["error"] = err.strip().splitlines()[-1:] if err.strip() else ["no report"]
    with (out / "invocations.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
    print(f"{mode} {i}: {arm} exit {code} in {wall:.0f} s; {costs}", file=sys.stderr)


# The gate's arms: A/A (A2 against A) and a build 10% slower (B10 against A).
GATE_ARMS = {"A": "A/A", "B10": "10% slower"}


def gate(args: argparse.Namespace) -> None:
    """Separate invocations of the default same-job gate, one line each, then the table."""
    out, cfg, done = _series(args.data / "gate")
    data = out / "invocations.jsonl"
    arms = ["A"] * args.aa + ["B10"] * args.per_arm
    random.Random(args.seed).shuffle(arms)
    extra = [*(["--model", args.model] if args.model else []), *args.run_arg]
    # `is None`, not falsiness: --stop-after 0 begins nothing and prints the table so far.
    stop_at = None if args.stop_after is None else time.monotonic() + args.stop_after
    for i, arm in enumerate(arms):
        if i in done:
            continue
        if stop_at is not None and time.monotonic() >= stop_at:
            print(f"stopped after {args.stop_after:.0f} s: run the same command again to go on")
            break
        load = _settled_load(args.load_below)
        _invocation("gate", out, cfg, i, arm, args.seed, extra, load=load)
    print("\n".join(gate_table(data)) if data.exists() else f"no invocation recorded in {out}")


def _settled_load(below: float, most_s: float = 180.0) -> float:
    """The 1-minute load average once it is below `below` (or after `most_s` seconds).

    The goal is stated for a machine at a load average below 2: the previous invocation's
    workers leave theirs behind for a minute, so the next one waits for it to fall.
    """
    until = time.monotonic() + most_s
    while (load := os.getloadavg()[0]) >= below and time.monotonic() < until:
        time.sleep(2.0)
    return round(load, 2)


def _costs(results: Path) -> dict:
    """What the run spent: processes (and the start behind the choice), samples, start-up."""
    try:
        run = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    spent = run["run"].get("budget") or {}
    choice = spent.get("processes") or {}
    workers = [w for b in run["benchmarks"] for w in b.get("workers") or []]
    ready = [w["started_s"] + w["load_ms"] / 1000 for w in workers
             if w.get("started_s") is not None and w.get("load_ms") is not None]  # fmt: skip
    return {
        "processes": run["config"].get("processes"),
        "first_start_s": choice.get("start_s"),
        "first_wave": choice.get("first_wave"),
        "ready_s": round(max(ready), 1) if ready else None,
        "samples": max((b["trials"] for b in run["benchmarks"]), default=0),
        "elapsed_s": spent.get("elapsed_s"),
    }


def gate_table(data: Path) -> list[str]:
    """Per arm: invocations decisive, invocations with a FAIL, the decode ratio, wall time.

    Decisive: the invocation finished (exit 0 or 1, with a report) and none of its same-job
    verdicts stayed inconclusive. An invocation that exited 2 or wrote no report counts as not
    decisive ("no verdict").
    """
    rows = [json.loads(x) for x in data.open(encoding="utf-8") if x.strip()]
    lines = [
        "| arm | invocations | decisive | with a FAIL | all PASS | decode ratio (median) "
        "| median wall time | no verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for arm, label in GATE_ARMS.items():
        sel = [r for r in rows if r["arm"] == arm]
        if not sel:
            continue
        ran = [r for r in sel if r.get("exit") in (0, 1) and "error" not in r]
        decisive = sum(1 for r in ran if not r.get("inconclusive"))
        failed = sum(1 for r in ran if r.get("fail"))
        passed = sum(1 for r in ran if not r.get("inconclusive") and not r.get("fail"))
        ratios = [
            v["ratio"]
            for r in ran
            for v in _verdicts(data.parent / f"{r['i']:03d}.report.json")
            if v.get("metric") == "decode_tps" and v.get("ratio")
        ]
        ratio = f"{statistics.median(ratios):.3f}" if ratios else "-"
        wall = f"{statistics.median(r['wall_s'] for r in sel):.0f} s"
        lines.append(
            f"| {label} | {len(sel)} | {decisive} | {failed} | {passed} | {ratio} | {wall} "
            f"| {len(sel) - len(ran)} |"
        )
    return lines


def baselines(args: argparse.Namespace) -> None:
    """A series of runs checked against the history of the A runs before them."""
    out = args.data / "baselines"
    out.mkdir(parents=True, exist_ok=True)
    data = out / "checks.jsonl"
    store = out / "store"
    done = _done(data)
    for i, arm in enumerate(_schedule(args.aa, args.per_arm, args.seed, args.history)):
        if i in done:
            continue
        results, report = out / f"{i:03d}.results.json", out / f"{i:03d}.report.json"
        code, wall, err = _mlxguard([
            "run", "--suite", "ttft,throughput",
            "--engine", f"slow_engine:slow{round(SLOWDOWN[arm] * 100)}",
            "--samples", str(args.samples), "--max-tokens", str(args.max_tokens),
            "--seed", str(args.seed + i), "--quiet", "-o", str(results),
        ])  # fmt: skip
        row: dict = {
            "i": i,
            "arm": arm,
            "t": time.time(),
            "run_exit": code,
            "wall_s": round(wall, 1),
        }
        if results.exists() and code != 2:
            check = results if arm.startswith("A") else _renamed(results, out)
            code, _, err = _mlxguard([
                "check", str(check), "--baseline", str(store),
                "--format", "json", "-o", str(report),
            ])  # fmt: skip
            row.update({"exit": code, **_summary(_verdicts(report))})
            if arm.startswith("A"):
                _mlxguard(["baseline", "update", str(results), "--dir", str(store)])
        if code == 2:
            row["error"] = err.strip().splitlines()[-1:] if err.strip() else []
        with data.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        print(f"baselines {i}: {arm} exit {row.get('exit')} in {wall:.0f} s", file=sys.stderr)


def _renamed(results: Path, out: Path) -> Path:
    """The run under the name of A's engine, as a pull request's build carries the same name."""
    first = json.loads((out / "000.results.json").read_text(encoding="utf-8"))
    name = first["benchmarks"][0]["engine"]
    doc = json.loads(results.read_text(encoding="utf-8"))
    for b in doc.get("benchmarks", []):
        b["engine"] = name
    path = results.with_suffix(".as-A.json")
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def arms(args: argparse.Namespace) -> None:
    """Per-arm folders of results files, the layout `bench_detection.py runs` replays."""
    for mode, log in (("same-job", "invocations.jsonl"), ("baselines", "checks.jsonl")):
        src = args.data / mode
        if not (src / log).exists():
            continue
        for line in (src / log).open(encoding="utf-8"):
            row = json.loads(line)
            results = src / f"{row['i']:03d}.results.json"
            if not results.exists():
                continue
            arm = "a" if row["arm"] in ("A", "A0") else row["arm"].lower()
            folder = args.data / f"{mode}-arms" / arm
            folder.mkdir(parents=True, exist_ok=True)
            # A slowed run is checked under A's engine name, as a build of the same engine.
            renamed = mode == "baselines" and arm != "a"
            path = _renamed(results, src) if renamed else results
            link = folder / results.name
            link.unlink(missing_ok=True)
            link.symlink_to(path.resolve())
    print(f"per-arm folders under {args.data}", file=sys.stderr)


def _rate(rows: list[dict]) -> str:
    k, n = sum(1 for r in rows if r.get("fail")), len(rows)
    return f"{k} of {n} ({k / n:.0%})" if n else "-"


def analyze(args: argparse.Namespace) -> None:
    """Markdown tables of both modes."""
    lines = []
    data = args.data / "gate" / "invocations.jsonl"
    if data.exists():
        lines += ["the default same-job gate:", *gate_table(data), ""]
    data = args.data / "same-job" / "invocations.jsonl"
    if data.exists():
        rows = [json.loads(x) for x in data.open(encoding="utf-8") if x.strip()]
        rows = [r for r in rows if r.get("exit") in (0, 1)]
        lines += ["| same job: compare --until-decisive | invocations with >= 1 FAIL | "
                  "decode slowdown measured (median) | median wall time |",
                  "| --- | --- | --- | --- |"]  # fmt: skip
        for arm, label in [("A", "A/A"), ("B5", "5% slower"), ("B10", "10% slower"),
                           ("B20", "20% slower")]:  # fmt: skip
            sel = [r for r in rows if r["arm"] == arm]
            wall = f"{statistics.median(r['wall_s'] for r in sel):.0f} s" if sel else "-"
            ratios = [
                v["ratio"]
                for r in sel
                for v in _verdicts(data.parent / f"{r['i']:03d}.report.json")
                if v.get("metric") == "decode_tps" and v.get("ratio")
            ]
            slower = f"{1 - statistics.median(ratios):.0%}" if ratios else "-"
            lines.append(f"| {label} | {_rate(sel)} | {slower} | {wall} |")
    data = args.data / "baselines" / "checks.jsonl"
    if data.exists():
        rows = [json.loads(x) for x in data.open(encoding="utf-8") if x.strip()]
        rows = [r for r in rows if r.get("exit") in (0, 1)]
        lines += ["", "| stored baselines: run vs history | checks with >= 1 FAIL | "
                  "inconclusive verdicts | detectable change (median) |",
                  "| --- | --- | --- | --- |"]  # fmt: skip
        for arm, label in [("A", "A/A"), ("B5", "5% slower"), ("B10", "10% slower"),
                           ("B20", "20% slower")]:  # fmt: skip
            sel = [r for r in rows if r["arm"] == arm]
            inc = sum(r.get("inconclusive", 0) for r in sel)
            det = [d for r in sel for d in r.get("detectable_change", [])
                   if isinstance(d, int | float)]  # fmt: skip
            dstr = f"{statistics.median(det):.1%}" if det else "-"
            lines.append(f"| {label} | {_rate(sel)} | {inc} | {dstr} |")
    print("\n".join(lines))


def _detail(v: Verdict) -> str:
    """One verdict's ratio, interval and Holm-adjusted p, for `looks --detail`."""
    return f"{v.metric} {v.ratio:.3f} [{v.ci_low:.3f}, {v.ci_high:.3f}] p_adj={v.p_adjusted:.3f}"


def looks(args: argparse.Namespace) -> None:
    """Each file's same-job statuses at every look of the round schedule, to the first decisive
    (`--every-look`: at all of them), up to the default --max-samples or the samples held."""
    from mlxguard.check.evaluate import evaluate
    from mlxguard.config import Config
    from mlxguard.defaults import DEFAULT_MAX_SAMPLES
    from mlxguard.results import load_results
    from mlxguard.results.earlier import first_rounds
    from mlxguard.run.rounds import look_schedule

    for path in args.files:
        results = load_results(path)
        held = max(b.trials for b in results.benchmarks)
        # The looks a run of `held` samples reached, the last at what it holds.
        schedule = [n for n in look_schedule(DEFAULT_MAX_SAMPLES) if n < held]
        schedule.append(min(held, DEFAULT_MAX_SAMPLES))
        seen = []
        for n in schedule:
            last = n == schedule[-1]
            report = evaluate(first_rounds(results, n), Config(), interim=not last)
            judged = [v for v in report.verdicts if v.kind == "reference"]
            statuses = [v.status for v in judged]
            seen.append(f"{n}: {'/'.join(statuses)}")
            if args.detail:
                seen[-1] += " (" + ", ".join(map(_detail, judged)) + ")"
            if "inconclusive" not in statuses and not args.every_look:
                break
        print(f"{path}: " + "; ".join(seen))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["same-job", "baselines", "gate", "analyze", "arms", "looks"])
    p.add_argument("files", nargs="*", type=Path, help="looks: results files of fixed runs")
    p.add_argument("--data", type=Path, default=DATA, help="data directory (default: %(default)s)")
    p.add_argument("--aa", type=int, default=20, help="A/A invocations (default: 20)")
    p.add_argument("--per-arm", type=int, default=10, help="invocations per slowed arm (10)")
    p.add_argument("--samples", type=int, default=5, help="baselines: samples per run (5)")
    p.add_argument("--max-tokens", type=int, default=32, help="tokens per request (32)")
    p.add_argument("--history", type=int, default=5, help="baselines: A runs first (5)")
    p.add_argument("--seed", type=int, default=1, help="schedule seed (1)")
    p.add_argument("--model", help="gate: the model (default: mlxguard's, the tiny preset)")
    p.add_argument(
        "--every-look",
        action="store_true",
        help="looks: judge every look, not only to the first decisive",
    )
    p.add_argument(
        "--detail",
        action="store_true",
        help="looks: each verdict's ratio, 95%% interval and Holm-adjusted p at every look",
    )
    p.add_argument(
        "--run-arg",
        action="append",
        default=[],
        help="gate: one more argument for `mlxguard run`, e.g. --run-arg=--max-seconds=90 "
        "(repeatable; default: none, mlxguard's defaults)",
    )
    p.add_argument(
        "--load-below",
        type=float,
        default=2.0,
        help="gate: wait (up to 3 minutes) for the 1-minute load average to fall below this "
        "before each invocation, and record it (default: %(default)s, the goal's condition)",
    )
    p.add_argument(
        "--stop-after",
        type=float,
        help="gate: begin no invocation after this many seconds (a series split across "
        "machine sessions of bounded length resumes where it stopped)",
    )
    args = p.parse_intermixed_args()
    modes = {"same-job": same_job, "baselines": baselines, "gate": gate, "analyze": analyze,
             "arms": arms, "looks": looks}  # fmt: skip
    modes[args.mode](args)


if __name__ == "__main__":
    main()
