"""How many worker processes per engine a run can afford, from the measured cost of a start.

The process is the unit of a same-job comparison: an interval's width falls roughly as
sqrt(within / samples + between / processes), so past a few tens of samples only more processes
narrow it (docs/regression.md). A process costs a start, though: about a second on a CPU, 8-14 s
on a GPU runner (CUDA context, libraries, model). Starts made at once run side by side as long
as there are cores for them, and queue beyond: on a 2-core VM six starts at once took three
times one start; on a 16-core H100 host, six took 1.1-1.3 times one (docs/regression.md).

The rule: start the first worker of every engine, time it (`start_s`), then take the most
processes, up to a cap, whose extra starts fit in `START_SHARE` of the budget left, the extra
starts charged one `start_s` per wave of `cores` starts made at once. The cap (`process_cap`)
is the default, lowered where the workers' copies of the model would take more than
`MEMORY_SHARE` of the machine's memory. `--processes` overrides.
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


def model_bytes(model_dir: str) -> int | None:
    """The model's weights on disk (its safetensors files), or None when there are none."""
    sizes = [f.stat().st_size for f in Path(model_dir).glob("*.safetensors") if f.is_file()]
    return sum(sizes) or None


def process_cap(default: int, engines: int, weights: int | None, memory: int | None) -> int:
    """The most processes per engine a run may choose: `default`, lowered (to 1 at least) where
    `engines` times that many copies of `weights` bytes would take over MEMORY_SHARE of
    `memory` (each worker holds its own copy of the model)."""
    if not weights or not memory:
        return default
    return min(default, max(1, int(MEMORY_SHARE * memory) // (weights * max(engines, 1))))


def cores() -> int:
    """The cores this process may run on (what parallel starts share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity masks
        return os.cpu_count() or 1


def start_cost(processes: int, engines: int, start_s: float, cores: int) -> float:
    """Seconds to start `processes - 1` more workers of each of `engines`, all at once."""
    extra = engines * (processes - 1)
    return start_s * math.ceil(extra / max(cores, 1))


def choose_processes(
    most: int, start_s: float, left_s: float, engines: int = 1, cores: int = 1
) -> ProcessChoice:
    """The processes per engine for a run whose first workers took `start_s` to start, with
    `left_s` seconds of budget left, `most` at most, `engines` engines on `cores` cores."""
    allowed = START_SHARE * max(left_s, 0.0)
    chosen = max(
        [p for p in range(1, most + 1) if start_cost(p, engines, start_s, cores) <= allowed],
        default=1,
    )
    waves = math.ceil(engines * (chosen - 1) / max(cores, 1))
    if chosen == most:
        why = (
            f"{chosen} processes: a worker started in {start_s:.1f} s, and the "
            f"{engines * (chosen - 1)} more start in {waves} wave(s) on {cores} cores, within a "
            f"quarter of the {left_s:.0f} s left"
        )
    else:
        more = start_cost(chosen + 1, engines, start_s, cores)
        why = (
            f"{chosen} of {most} processes: a worker started in {start_s:.1f} s, and "
            f"{chosen + 1} would take about {more:.0f} s more on {cores} cores, over a quarter of "
            f"the {left_s:.0f} s left (--processes overrides)"
        )
    return ProcessChoice(
        processes=chosen, start_s=round(start_s, 3), left_s=round(left_s, 1), engines=engines,
        cores=cores, why=why,
    )  # fmt: skip
