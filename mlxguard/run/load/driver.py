"""One load window: warm-up requests first (excluded), then the timed requests at one load point.

A closed loop runs `concurrency` senders, each sending its next request when the last one ends.
An open loop sends each request at its planned arrival time, in a task of its own, whatever is
still in flight; with `max_concurrency` a request waits for a free slot first, and that wait is
its queue time. The window lasts from its start (the first send, or the first planned arrival)
to the end of its last request.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mlxguard.run.load.record import RequestRecord
from mlxguard.run.load.shapes import LoadPoint, arrival_offsets
from mlxguard.run.load.workload import LoadRequest


class Target(Protocol):
    """Something that serves load requests: a server's client, or an in-process batcher.
    Entered (`async with`) before the first request, exited after the last."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def send(self, request: LoadRequest, record: RequestRecord) -> RequestRecord:
        """Serve `request`, stamping `record`; a failure is the record's `error`."""
        ...


@dataclass(frozen=True)
class Window:
    """The requests of one timed window and its span, in `perf_counter_ns` readings."""

    records: list[RequestRecord]
    started_ns: int
    ended_ns: int

    @property
    def duration_s(self) -> float:
        return (self.ended_ns - self.started_ns) / 1e9


async def closed_loop(target: Target, requests: Sequence[LoadRequest], concurrency: int) -> Window:
    """Serve `requests` with `concurrency` requests in flight until none is left."""
    pending = iter(requests)
    records: list[RequestRecord] = []

    async def sender() -> None:
        for request in pending:  # one iterator shared by the senders: each request once
            record = RequestRecord(request.key, request.prompt_tokens)
            records.append(record)
            await target.send(request, record)

    started = time.perf_counter_ns()
    await asyncio.gather(*(sender() for _ in range(max(1, concurrency))))
    return Window(records, started, _last_end(records, started))


async def open_loop(
    target: Target,
    requests: Sequence[LoadRequest],
    offsets_s: Sequence[float],
    max_concurrency: int | None = None,
) -> Window:
    """Send each request at its planned offset from the window's start (seconds)."""
    slots = asyncio.Semaphore(max_concurrency) if max_concurrency else None
    records = [RequestRecord(r.key, r.prompt_tokens) for r in requests]

    async def one(request: LoadRequest, record: RequestRecord) -> None:
        if slots is None:
            await target.send(request, record)
            return
        waiting = time.perf_counter_ns()
        async with slots:
            record.queued_ns = time.perf_counter_ns() - waiting
            await target.send(request, record)

    started = time.perf_counter_ns()
    tasks = []
    for request, record, offset in zip(requests, records, offsets_s, strict=True):
        record.planned_ns = started + round(offset * 1e9)
        delay = (record.planned_ns - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request, record)))
    await asyncio.gather(*tasks)
    return Window(records, started, _last_end(records, started))


def _last_end(records: list[RequestRecord], started: int) -> int:
    return max((r.done_ns for r in records), default=started)


def warmup_count(point: LoadPoint, waves: int) -> int:
    """Warm-up requests before a window: `waves` full batches of a closed loop (each batch size
    the server will see compiles its kernels first), or `waves` seconds of an open loop's
    arrivals (at least 2)."""
    if point.kind == "concurrency":
        return waves * int(point.level)
    return max(2, math.ceil(waves * point.level))


async def run_window(
    target: Target,
    point: LoadPoint,
    warmup: Sequence[LoadRequest],
    timed: Sequence[LoadRequest],
    seed: str,
) -> Window:
    """Warm `target` up at `point` with the `warmup` requests (their records are dropped), then
    measure the `timed` ones. Arrivals of an open loop are seeded by `seed`."""
    if point.kind == "concurrency":
        if warmup:
            await closed_loop(target, warmup, int(point.level))
        return await closed_loop(target, timed, int(point.level))
    if warmup:
        offsets = arrival_offsets(point.level, len(warmup), point.burstiness, f"{seed}:warmup")
        await open_loop(target, warmup, offsets, point.max_concurrency)
    offsets = arrival_offsets(point.level, len(timed), point.burstiness, seed)
    return await open_loop(target, timed, offsets, point.max_concurrency)
