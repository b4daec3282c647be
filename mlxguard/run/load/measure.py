"""Measure load points on several engines: rounds of windows, interleaved, on one event loop.

Round by round, each load point is measured on every engine in a seeded random order (drift
hits both sides of a comparison alike, as the other suites interleave their rounds); each
window is warmed first at its own point (a new batch size may compile kernels) and gets its
own distinct prompts, the same for every engine of that round.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

from mlxguard.errors import UsageError
from mlxguard.results.load import LoadWindow
from mlxguard.run.load.driver import Target, Window, run_window, warmup_count
from mlxguard.run.load.shapes import LoadPoint
from mlxguard.run.load.window import summarize
from mlxguard.run.load.workload import Lengths, build_requests
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import PromptFactory

# What the load suite can drive.
SERVED = "an OpenAI-compatible server (openai:URL, or a server definition with a command)"


@dataclass(frozen=True)
class WindowPlan:
    """What every window of a run shares.

    Attributes:
        lengths: the requests' token counts.
        requests: timed requests per window (a closed loop gets at least 2 per slot).
        warmup_waves: warm-up batches (closed loop) or seconds of arrivals (open loop).
        slo: the SLOs goodput counts against.
        stall_factor: a request whose e2e exceeds this times its window's median is a stall.
        rounds: windows per point and engine.
        seed: seeds the prompts, the arrivals and the engine order.
        deadline: no window starts after it (`time.monotonic()`, the run's budget); None: none.
    """

    lengths: Lengths
    requests: int
    warmup_waves: int
    slo: Mapping[str, float]
    stall_factor: float
    rounds: int
    seed: int
    deadline: float | None = None

    def timed_count(self, point: LoadPoint) -> int:
        if point.kind == "concurrency":
            return max(self.requests, 2 * int(point.level))
        return self.requests


@dataclass
class Measured:
    """One load point on one engine: its windows, in round order."""

    point: LoadPoint
    engine: str
    windows: list[tuple[Window, LoadWindow]] = field(default_factory=list)


def target_for(spec: str, model_dir: str, temperature: float, deadline_s: float) -> Target:
    """The load target of an engine spec: a server's client, or mlx-lm's in-process batching.

    Raises:
        UsageError: a spec the load suite cannot drive, or an mlx-lm without BatchGenerator.
    """
    if spec.startswith("openai:"):
        from mlxguard.run.load.client import OpenAIClient

        return OpenAIClient(spec, model_dir, temperature, deadline_s)
    if spec == "mlx-lm":
        from mlxguard.run.load.batch import BatchTarget, batching_available

        if not batching_available():
            raise UsageError(
                "the load suite's mlx-lm engine needs mlx_lm.generate.BatchGenerator "
                "(mlx-lm 0.28.4 or later); upgrade mlx-lm, or measure a server"
            )
        return BatchTarget(model_dir, deadline_s)
    raise UsageError(
        f"the load suite cannot drive engine '{spec}': it measures {SERVED} or mlx-lm in "
        "process (batching)"
    )


async def measure(
    targets: Mapping[str, Target],
    points: Sequence[LoadPoint],
    plan: WindowPlan,
    factory: PromptFactory,
    progress: Progress,
    first_round: int = 0,
) -> list[Measured]:
    """Every point on every engine, `plan.rounds` windows each (rounds numbered from
    `first_round`), in the order of `points` then engines; targets already open."""
    out = {(p.scenario, e): Measured(p, e) for p in points for e in targets}
    for round_ in range(first_round, first_round + plan.rounds):
        for point in points:
            engines = list(targets)
            random.Random(f"{plan.seed}:{round_}:{point.scenario}").shuffle(engines)
            window = f"{point.scenario}:{round_}"
            timed = build_requests(factory, plan.lengths, plan.timed_count(point), window)
            warm = build_requests(
                factory, plan.lengths, warmup_count(point, plan.warmup_waves), f"{window}:w"
            )
            for engine in engines:
                if plan.deadline is not None and time.monotonic() >= plan.deadline:
                    return list(out.values())  # the budget ran out: fewer windows, recorded
                progress.describe(f"load {point.scenario} · {engine} · window {round_ + 1}")
                seen = await run_window(
                    targets[engine], point, warm, timed, f"{plan.seed}:{window}"
                )
                figures = summarize(seen, round_, plan.slo, plan.stall_factor)
                out[(point.scenario, engine)].windows.append((seen, figures))
                progress.step()
    return list(out.values())


@contextlib.asynccontextmanager
async def opened(targets: Mapping[str, Target]) -> AsyncIterator[Mapping[str, Target]]:
    """All targets entered (a client session, a loaded model), and exited on the way out."""
    async with contextlib.AsyncExitStack() as stack:
        for target in targets.values():
            await stack.enter_async_context(target)
        yield targets
