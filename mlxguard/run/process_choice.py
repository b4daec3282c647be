"""How many worker processes per engine a run can afford, from the measured cost of a start.

The process is the unit of a same-job comparison: an interval's width falls roughly as
sqrt(within / samples + between / processes), so past a few tens of samples only more processes
narrow it (docs/regression.md). A process costs a start, though: about a second on a CPU, 8-14 s
on a GPU runner (CUDA context, libraries, model). Starts made at once run side by side as long
as there are cores for them, and queue beyond: on a 2-core VM six starts at once took three
times one start; on a 16-core H100 host, six took 1.1-1.3 times one (docs/regression.md).

The rule: start the first wave (`first_wave`: as many workers of every engine as the cores
start side by side, at least one each) and time it (`start_s`), then take the most processes,
up to a cap, whose extra starts fit in `START_SHARE` of the budget left, the extra starts
charged one `start_s` per wave of `cores` starts made at once. The cap (`process_cap`) is the
default (4), raised to what one wave starts where the cores allow it (up to `MOST_PROCESSES`),
and lowered where the workers' copies of the model would take more than `MEMORY_SHARE` of the
machine's memory. `--processes` overrides.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from mlxguard.results import ProcessChoice

# The share of the time left that starting more processes may take.
START_SHARE = 0.25
# The share of the machine's memory the workers' copies of the model may take.
MEMORY_SHARE = 0.5
# The most processes per engine a run chooses on its own, where the cores start them in one
# wave: with 8 process pairs the interval's small-sample widening (t with 7 df at the test's
# level) is 1.4 where 4 pairs' is 2.3 (docs/regression.md, "Processes chosen from measured costs").
MOST_PROCESSES = 8


def model_bytes(model_dir: str) -> int | None:
    """The model's weights on disk (its safetensors files), or None when there are none."""
    sizes = [f.stat().st_size for f in Path(model_dir).glob("*.safetensors") if f.is_file()]
    return sum(sizes) or None


def process_cap(
    default: int, engines: int, weights: int | None, memory: int | None, cores: int = 1
) -> int:
    """The most processes per engine a run may choose: `default`, raised to what `cores` start
    in one wave for `engines` engines (up to MOST_PROCESSES), lowered (to 1 at least) where
    `engines` times that many copies of `weights` bytes would take over MEMORY_SHARE of
    `memory` (each worker holds its own copy of the model)."""
    engines = max(engines, 1)
    most = max(default, min(MOST_PROCESSES, cores // engines))
    if not weights or not memory:
        return most
    return min(most, max(1, int(MEMORY_SHARE * memory) // (weights * engines)))


def first_wave(most: int, engines: int, cores: int) -> int:
    """Workers per engine to start at once and time: what the cores start side by side (one
    start's time), at least one, at most `most`."""
    return max(1, min(most, cores // max(engines, 1)))


def cores() -> int:
    """The cores this process may run on (what parallel starts share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity masks
        return os.cpu_count() or 1


def start_cost(processes: int, engines: int, start_s: float, cores: int, started: int = 1) -> float:
    """Seconds to start the workers of each of `engines` from `started` up to `processes`, all
    at once."""
    extra = engines * max(processes - started, 0)
    return start_s * math.ceil(extra / max(cores, 1))


def choose_processes(
    most: int, start_s: float, left_s: float, engines: int = 1, cores: int = 1, started: int = 1
) -> ProcessChoice:
    """The processes per engine for a run whose first `started` workers of each engine took
    `start_s` to start, with `left_s` seconds of budget left, `most` at most, `engines` engines
    on `cores` cores. Workers already started are kept: they are paid for."""
    allowed = START_SHARE * max(left_s, 0.0)
    first = max(1, min(started, most))
    chosen = max(
        p for p in range(first, most + 1)
        if p == first or start_cost(p, engines, start_s, cores, first) <= allowed
    )  # fmt: skip
    waves = math.ceil(engines * (chosen - first) / max(cores, 1))
    wave = "a worker" if first == 1 else f"{first} workers of each engine at once"
    if chosen == first:
        more = f" of {most} processes" if chosen < most else " process" + "es" * (chosen > 1)
        why = f"{chosen}{more}: {wave} started in {start_s:.1f} s on {cores} cores"
        if chosen < most:
            why += (
                f", and {chosen + 1} would take about "
                f"{start_cost(chosen + 1, engines, start_s, cores, first):.0f} s more, over a "
                f"quarter of the {left_s:.0f} s left (--processes overrides)"
            )
    elif chosen == most:
        why = (
            f"{chosen} processes: {wave} started in {start_s:.1f} s, and the "
            f"{engines * (chosen - first)} more start in {waves} wave(s) on {cores} cores, "
            f"within a quarter of the {left_s:.0f} s left"
        )
    else:
        extra = start_cost(chosen + 1, engines, start_s, cores, first)
        why = (
            f"{chosen} of {most} processes: {wave} started in {start_s:.1f} s, and "
            f"{chosen + 1} would take about {extra:.0f} s more on {cores} cores, over a quarter of "
            f"the {left_s:.0f} s left (--processes overrides)"
        )
    return ProcessChoice(
        processes=chosen, start_s=round(start_s, 3), first_wave=first, left_s=round(left_s, 1),
        engines=engines, cores=cores, why=why,
    )  # fmt: skip
