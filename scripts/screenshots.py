"""Regenerate the pictures of the PR comment, the dashboard and the load curve.

Each comment is rendered by mlxguard from a seeded, synthetic same-job check (head against base,
24 rounds over 4 worker processes, rounds drifting together on both arms as a runner's do),
turned into HTML by cmark-gfm (GitHub's own renderer, with its table, autolink and tag filter
extensions) inside GitHub-like CSS, and photographed by headless Chromium at 1280 and 390 CSS
pixels, as a reviewer sees it: folded sections folded. The dashboard is photographed from a page
the CLI writes for a day of runs with a step. The load curve (`export --to load-curve`) is of a
real load run (a minute or two): `scripts/sse_server.py` serving synthetic tokens (5 ms apart,
the first after 20 ms), once batching and once one request at a time (`--serial`).

    scripts/setup-test-deps          # Debian's chromium, when missing (as root)
    apt-get install fonts-noto-color-emoji   # the verdict icons (else they show as boxes)
    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Needs the dev extra (cmarkgfm, playwright: it drives the system Chromium, downloads nothing).
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cmarkgfm
import numpy as np
from cmarkgfm.cmark import Options
from playwright import sync_api

from mlxguard.baselines import update
from mlxguard.check.evaluate import evaluate
from mlxguard.config import CheckSettings, Config
from mlxguard.engines.server import free_port
from mlxguard.reports import comment
from mlxguard.results import (
    Benchmark,
    Environment,
    Metric,
    ReferenceComparison,
    Results,
    RunInfo,
    Tool,
)

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WIDTHS = (1280, 390)
CURVE_WIDTH = 656  # the curve's 640 px and the page's margins
RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/12345"
# The three comments: how head's figures compare with base's (a factor per metric).
CASES = {
    "pass": {"ttft_ms": 0.99, "decode_tps": 1.01, "throughput_tps": 1.0},
    "fail": {"ttft_ms": 1.12, "decode_tps": 0.88, "throughput_tps": 0.87},
    "inconclusive": {"ttft_ms": 1.0, "decode_tps": 0.96, "throughput_tps": 0.97},
}
# Per-sample noise of each case (a noisier runner leaves the inconclusive one undecided).
NOISE = {"pass": 0.006, "fail": 0.006, "inconclusive": 0.04}
BASE = {"ttft_ms": 212.0, "decode_tps": 96.5, "throughput_tps": 88.0}
ROUNDS, PROCESSES = 24, 4

# A sober imitation of GitHub's comment styles (primer): enough to judge layout and width.
CSS = """
body { margin: 0; background: #fff; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
  sans-serif; }
.comment { max-width: 880px; margin: 16px auto; border: 1px solid #d1d9e0; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
  color: #59636e; border-radius: 6px 6px 0 0; }
.body { padding: 16px; overflow-wrap: break-word; }
.body > :first-child { margin-top: 0; }
h3 { font-size: 1.25em; font-weight: 600; margin: 0 0 8px; }
p, ul, table, details, blockquote { margin: 0 0 16px; }
ul { padding-left: 2em; }
blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { padding: .2em .4em; font-size: 85%; background: rgba(129,139,152,.12); border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
summary { cursor: pointer; }
sub { color: #59636e; }
a { color: #0969da; text-decoration: none; }
"""


def _arm(
    engine: str, medians: dict[str, float], rng: np.random.Generator, noise: float
) -> Benchmark:
    """One arm of the comparison: per-round drift shared by both arms, noise of its own."""
    drift = np.exp(np.sin(np.arange(ROUNDS) * 1.3) * 0.03)
    rounds = list(range(ROUNDS))
    procs = [r % PROCESSES for r in rounds]
    metrics = {
        name: Metric.of(
            name,
            list(m * drift * np.exp(rng.normal(0, noise, ROUNDS))),
            processes=procs,
            rounds=rounds,
        )
        for name, m in medians.items()
    }
    return Benchmark(suite="compare", engine=engine, model="llama-3.2-1b", scenario="warm",
                     metrics=metrics, trials=ROUNDS, successes=ROUNDS)  # fmt: skip


def example(change: dict[str, float], seed: int, noise: float = 0.006) -> Results:
    """A pull request's head against its base, measured in one job on an Apple Silicon runner."""
    rng = np.random.default_rng(seed)
    base = _arm("reference:base", BASE, rng, noise)
    head = _arm("candidate:head", {k: v * change[k] for k, v in BASE.items()}, rng, noise)
    head = head.model_copy(
        update={"reference": ReferenceComparison(engine=base.engine, against="base")}
    )
    env = Environment(
        platform="darwin", machine="arm64", chip="Apple M3 Max", cpu_count=16, memory_gb=64.0,
        os="macOS 15.1", python="3.12.7", backend="metal",
        versions={"mlx": "0.32.4", "mlx-lm": "0.32.2"}, fingerprint="apple-m3-max-1c2d3e4f5a",
    )  # fmt: skip
    run = RunInfo(id=f"example-{seed}", started_at="2026-12-05T14:03:00+00:00",
                  finished_at="2026-12-05T14:04:10+00:00", git_sha="3c9e1a0b7d2f4e6a", seed=0,
                  git_ref="refs/pull/42/merge")  # fmt: skip
    return Results(tool=Tool(version="0.1.0"), run=run, environment=env, config={},
                   benchmarks=[head, base])  # fmt: skip


def comment_html(results: Results) -> str:
    """The sticky comment as GitHub would show it: cmark-gfm's HTML in a comment box."""
    body = comment.render(results, evaluate(results, Config()), gated=["ttft_ms"], run_url=RUN_URL)
    html = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    return (
        f"<!doctype html><meta charset='utf-8'><meta name='viewport' "
        f"content='width=device-width, initial-scale=1'><style>{CSS}</style>"
        f"<div class='comment'><div class='head'><b>github-actions</b> bot commented</div>"
        f"<div class='body'>{html}</div></div>"
    )


def dashboard_page(workdir: Path) -> Path:
    """The history page of a day of runs, a step at the sixth (written by the CLI)."""
    store = workdir / "baselines"
    rng = np.random.default_rng(7)
    for i in range(8):
        level = 100.0 if i < 5 else 80.0
        r = example(CASES["pass"], seed=100 + i)
        decode = list(level * np.exp(rng.normal(0, 0.01, 6)))
        b = Benchmark(suite="throughput", engine="mlx-lm", model="llama-3.2-1b",
                      scenario="medium-stream", trials=6, successes=6,
                      metrics={"decode_tps": Metric.of("decode_tps", decode),
                               "throughput_tps": Metric.of("throughput_tps",
                                                           [x * 0.9 for x in decode])})  # fmt: skip
        when = f"2026-12-05T{9 + i:02d}:{(7 * i) % 60:02d}:00+00:00"
        run = r.run.model_copy(update={"id": f"run{i}", "started_at": when,
                                       "git_sha": f"{i + 10:x}" * 20})  # fmt: skip
        update(r.model_copy(update={"run": run, "benchmarks": [b]}), store,
               CheckSettings().gated_for, keep=10)  # fmt: skip
    site = workdir / "site"
    subprocess.run([sys.executable, "-m", "mlxguard", "dashboard", "--dir", str(store), "-o",
                    str(site), "--repo-url", "https://github.com/octo-org/octo-repo"],
                   check=True, capture_output=True)  # fmt: skip
    return site / "index.html"


# The load run: both servers at the same points (the numbers are the server's, not a model's).
LOAD_CONFIG = """\
[engines.batching]
spec = "openai:http://127.0.0.1:{batching}/v1"
[engines.serial]
spec = "openai:http://127.0.0.1:{serial}/v1"
[load]
concurrency = [1, 2, 4, 8]
rates = [4.0, 8.0, 16.0]
requests = 16
rounds = 3
output_tokens = 16
prompt_tokens = 32
"""


@contextlib.contextmanager
def _servers() -> Iterator[dict[str, int]]:
    """The two sse_server.py processes, name -> port; stopped after."""
    ports = {"batching": free_port(), "serial": free_port()}
    script = Path(__file__).with_name("sse_server.py")
    timing = ["--token-ms", "5", "--prompt-ms", "20"]
    procs = [
        subprocess.Popen([sys.executable, str(script), "--port", str(port), *timing,
                          *(["--serial"] if name == "serial" else [])])
        for name, port in ports.items()
    ]  # fmt: skip
    try:
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


def load_curve_page(workdir: Path) -> Path:
    """The latency-throughput curve of a batching and a serial server, as the export draws it."""
    mlxguard = [sys.executable, "-m", "mlxguard"]
    config = workdir / "mlxguard.toml"
    with _servers() as ports:
        config.write_text(LOAD_CONFIG.format(**ports))
        shards = []
        for engine in ports:
            shards.append(str(workdir / f"load-{engine}.json"))
            subprocess.run([*mlxguard, "run", "--suite", "load", "--engine", engine, "--config",
                            str(config), "--output", shards[-1], "--quiet"],
                           check=True, capture_output=True)  # fmt: skip
    both, curve = workdir / "load.json", workdir / "load-curve.svg"
    subprocess.run([*mlxguard, "merge", *shards, "--output", str(both)], check=True,
                   capture_output=True)  # fmt: skip
    subprocess.run([*mlxguard, "export", str(both), "--to", "load-curve", "--output", str(curve)],
                   check=True, capture_output=True)  # fmt: skip
    page = workdir / "load-curve.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><meta name='viewport' content='width=device-width, "
        f"initial-scale=1'><body style='margin:8px'>{curve.read_text('utf-8')}",
        "utf-8",
    )
    return page


def shoot(page_file: Path, out: Path, width: int, height: int = 800) -> None:
    """A full-page screenshot at ``width`` CSS pixels (at least ``height`` tall), in a fresh
    profile."""
    with sync_api.sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": width, "height": height},
        )  # fmt: skip
        try:
            page = context.new_page()
            page.goto(page_file.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            page.screenshot(path=str(out), full_page=True)
        finally:
            context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pages = {}
        for seed, (name, change) in enumerate(CASES.items()):
            pages[f"comment-{name}"] = work / f"{name}.html"
            results = example(change, seed, NOISE[name])
            pages[f"comment-{name}"].write_text(comment_html(results), "utf-8")
        pages["dashboard"] = dashboard_page(work)
        for name, page_file in pages.items():
            for width in WIDTHS:
                shot = args.out / f"{name}-{width}.png"
                shoot(page_file, shot, width)
                print(shot)
        # One image at its own size (on a phone it is scaled down whole): one shot shows it.
        shoot(load_curve_page(work), args.out / "load-curve.png", CURVE_WIDTH, height=100)
        print(args.out / "load-curve.png")


if __name__ == "__main__":
    main()
