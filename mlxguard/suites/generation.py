"""The generation suites `ttft` and `throughput`: scenarios of one engine (`--engine`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlxguard.config import Config
from mlxguard.engines.definitions import EngineChoice, choose
from mlxguard.results import Benchmark
from mlxguard.run.context import SuiteContext, Undecided
from mlxguard.run.plan import Scenario
from mlxguard.run.rounds import extend_benchmark
from mlxguard.run.runner import RunSettings, run_trials

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


@dataclass(frozen=True)
class GenerationSuite:
    """Scenarios of the configured engine, in a seeded shuffle; rounds extend any of them."""

    name: str
    description: str
    make: Callable[[Config], list[Scenario]]
    rounds: bool = True
    options: frozenset[str] = frozenset({"samples"})

    def engines(self, config: Config) -> dict[str, EngineChoice]:
        choice = choose(config.engine, config.engines, config.codec)
        return {choice.label: choice}

    def scenarios(self, config: Config) -> list[Scenario]:
        return self.make(config)

    def run(self, ctx: SuiteContext) -> list[Benchmark]:
        return self._trials(ctx, self.make(ctx.config))

    def extend(
        self, ctx: SuiteContext, measured: list[Benchmark], todo: Undecided
    ) -> list[Benchmark]:
        wanted = {scenario for _, scenario, _ in todo}
        scenarios = [sc for sc in self.make(ctx.config) if sc.name in wanted]
        fresh = {b.scenario: b for b in self._trials(ctx, scenarios)}
        return [extend_benchmark(b, fresh[b.scenario]) if b.scenario in fresh else b
                for b in measured]  # fmt: skip

    @staticmethod
    def _trials(ctx: SuiteContext, scenarios: list[Scenario]) -> list[Benchmark]:
        engines = {label: c.factory for label, c in ctx.engines.items()}
        settings = RunSettings.of(ctx)
        return run_trials(scenarios, engines, settings, ctx.progress, workers=ctx.workers)


TTFT = GenerationSuite(
    "ttft", "time to first token, cold (new engine + timed load) and warm", ttft_scenarios
)
THROUGHPUT = GenerationSuite(
    "throughput",
    "tokens per second for short, medium and long outputs, streaming and not",
    throughput_scenarios,
)
