"""Suites: named workloads. Each is a function `run(ctx) -> list[Benchmark]`, imported lazily."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mlxguard.config import Config
from mlxguard.errors import UsageError
from mlxguard.run.context import SuiteContext, SuiteRunner
from mlxguard.run.plan import Scenario

__all__ = [
    "SUITES",
    "SuiteContext",
    "longest_request",
    "parse_suites",
    "scenario_sources",
    "suite_runner",
]


# Suite name -> (one-line description, "module:function"), in the order `--suite all` runs them.
SUITES: dict[str, tuple[str, str]] = {
    "ttft": (
        "time to first token, cold (new engine + timed load) and warm",
        "mlxguard.suites.generation:run_ttft",
    ),
    "throughput": (
        "tokens per second for short, medium and long outputs, streaming and not",
        "mlxguard.suites.generation:run_throughput",
    ),
    "ipc": (
        "JSON vs MessagePack codec cost per message, and the worker round trip",
        "mlxguard.suites.ipc:run",
    ),
    "compare": (
        "candidate vs reference engine: same model, prompts and parameters; ratios and parity",
        "mlxguard.suites.compare:run",
    ),
    "flexible": (
        "1 to 100,000 generated questions on one or both engines; percentiles and a winner",
        "mlxguard.suites.flexible:run",
    ),
    "load": (
        "a batching server under concurrency and request rates: goodput, SLOs, saturation",
        "mlxguard.suites.load:run",
    ),
}


def suite_runner(name: str) -> SuiteRunner:
    """The function that runs suite ``name`` (imported now)."""
    module, _, func = SUITES[name][1].partition(":")
    return getattr(importlib.import_module(module), func)


def scenario_sources() -> dict[str, Callable[[Config], list[Scenario]]]:
    """Suite -> its generation scenarios for a config (the `ipc` suite generates nothing)."""
    from mlxguard.suites.compare import compare_scenario
    from mlxguard.suites.flexible import flexible_scenario
    from mlxguard.suites.generation import throughput_scenarios, ttft_scenarios
    from mlxguard.suites.load import scenarios as load_scenarios

    return {
        "ttft": ttft_scenarios,
        "throughput": throughput_scenarios,
        "compare": lambda config: [compare_scenario(config)],
        "flexible": lambda config: [flexible_scenario(config)],
        "load": load_scenarios,
    }


def longest_request(config: Config, suites: list[str]) -> int:
    """Prompt plus output tokens of the longest request `suites` will make (0: none)."""
    sources = scenario_sources()
    requests = [s for n in suites if n in sources for s in sources[n](config)]
    return max((s.prompt_tokens + s.max_tokens for s in requests), default=0)


def parse_suites(value: str | list[str]) -> list[str]:
    """Split and validate `--suite a,b` (or `all`), keeping the registry's order.

    Raises:
        UsageError: an unknown suite name.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise UsageError(f"no suite given; choose from {', '.join(SUITES)} or 'all'")
    if "all" in names:
        return list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise UsageError(f"unknown suite '{unknown[0]}'; choose from {', '.join(SUITES)} or 'all'")
    return [n for n in SUITES if n in names]
