"""How many worker processes per engine a run can afford, from the measured cost of a start.

The process is the unit of a same-job comparison: an interval's width falls roughly as
sqrt(within / samples + between / processes), so past a few tens of samples only more processes
narrow it (docs/regression.md). A process costs a start, though: a few seconds on a CPU, and
14-19 s on a GPU runner (CUDA context, libraries, model), where starts made at once contend for
the device and come close to adding up. Time spent starting is time not spent measuring.

The rule: start the first worker of every engine, time it (`start_s`), then take the most
processes, up to the default, whose extra starts, charged as if one after another
((processes - 1) * start_s), fit in `START_SHARE` of the budget left. `--processes` overrides.
"""

from __future__ import annotations

from mlxguard.results import ProcessChoice

# The share of the time left that starting more processes may take.
START_SHARE = 0.25


def choose_processes(most: int, start_s: float, left_s: float) -> ProcessChoice:
    """The processes per engine for a run whose first workers took `start_s` to start, with
    `left_s` seconds of budget left, `most` at most."""
    affordable = int(START_SHARE * max(left_s, 0.0) // start_s) if start_s > 0 else most - 1
    chosen = max(1, min(most, 1 + affordable))
    extra = (chosen - 1) * start_s
    if chosen == most:
        why = (
            f"{chosen} processes: a worker started in {start_s:.1f} s, and {chosen - 1} more "
            f"(up to {extra:.0f} s) fit in a quarter of the {left_s:.0f} s left"
        )
    else:
        why = (
            f"{chosen} of {most} processes: a worker started in {start_s:.1f} s, and starting "
            f"{chosen} more would take over a quarter of the {left_s:.0f} s left "
            "(--processes overrides)"
        )
    return ProcessChoice(
        processes=chosen, start_s=round(start_s, 3), left_s=round(left_s, 1), why=why
    )
