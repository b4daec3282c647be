"""The generation suites `ttft` and `throughput`: scenarios for the runner."""

from __future__ import annotations

from mlxguard.config import Config
from mlxguard.engines.definitions import choose
from mlxguard.results import Benchmark
from mlxguard.run.context import SuiteContext
from mlxguard.run.plan import Scenario
from mlxguard.run.runner import RunSettings, engine_settings, run_trials

# TTFT needs only a few tokens; more would just add decode time to each sample.
TTFT_OUTPUT_TOKENS = 8
THROUGHPUT_LENGTHS = {"short": 32, "medium": 128, "long": 512}


def _cap(n: int, config: Config) -> int:
    return min(n, config.max_tokens) if config.max_tokens else n


def ttft_scenarios(config: Config) -> list[Scenario]:
    """Cold (new engine + timed load per sample, load kept apart) and warm TTFT."""
    out = _cap(TTFT_OUTPUT_TOKENS, config)
    return [
        Scenario("ttft", "cold", config.prompt_tokens, out, cold=True),
        Scenario("ttft", "warm", config.prompt_tokens, out),
    ]


def throughput_scenarios(config: Config) -> list[Scenario]:
    """Short, medium and long outputs, each streaming and non-streaming."""
    return [
        Scenario(
            "throughput",
            f"{size}-{mode}",
            config.prompt_tokens,
            _cap(n, config),
            streaming=mode == "stream",
        )
        for size, n in THROUGHPUT_LENGTHS.items()
        for mode in ("stream", "nonstream")
    ]


def _run(ctx: SuiteContext, scenarios: list[Scenario]) -> list[Benchmark]:
    cfg = ctx.config
    choice = choose(cfg.engine, cfg.engines, cfg.codec, cfg.processes or 1)
    settings = RunSettings.of(
        cfg, ctx.model_dir, ctx.model_label, first_sample=ctx.first_sample,
        **engine_settings({choice.label: choice}),
    )  # fmt: skip
    engines = {choice.label: choice.factory}
    return run_trials(scenarios, engines, settings, ctx.progress, workers=ctx.workers)


def run_ttft(ctx: SuiteContext) -> list[Benchmark]:
    return _run(ctx, ttft_scenarios(ctx.config))


def run_throughput(ctx: SuiteContext) -> list[Benchmark]:
    return _run(ctx, throughput_scenarios(ctx.config))
