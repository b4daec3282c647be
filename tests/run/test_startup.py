"""A run's own costs around its workers: what overlaps their start, how they stop."""

from __future__ import annotations

import threading
from pathlib import Path

from mlxguard.run.prompts import PromptFactory
from mlxguard.run.workers import Workers


class _Exiting:
    """A worker's engine whose exit takes as long as the other's: both must be under way."""

    def __init__(self, pid: int, both: threading.Barrier) -> None:
        self.pid, self._both, self.closed = pid, both, False

    def close(self) -> None:
        self._both.wait()  # breaks after its timeout when the closes run one after another
        self.closed = True


def test_worker_processes_shut_down_side_by_side() -> None:
    both = threading.Barrier(2, timeout=5)
    pool = Workers()
    engines = [_Exiting(1000 + p, both) for p in range(2)]
    for p, engine in enumerate(engines):
        pool.slot("e", _Exiting, "", p).warm = engine  # type: ignore[assignment,arg-type]
    pool.close()
    assert all(e.closed for e in engines)


class _Starting:
    """A worker's engine whose start ends only once the run's own work beside it has begun."""

    name = "starting"

    def __init__(self, beside: threading.Event) -> None:
        self._beside = beside

    def load(self, model: str) -> None:
        assert self._beside.wait(5), "the run waited for its workers before its own work"

    def generate(self, *args: object) -> list[int]:
        return []

    def close(self) -> None:
        pass


def test_the_run_loads_its_tokenizer_while_its_workers_start(tiny_model: Path) -> None:
    # On a GPU host the tokenizer's imports took ~10 s before the first worker started.
    beside = threading.Event()
    prompts = PromptFactory(tiny_model)

    def load_tokenizer() -> None:
        beside.set()
        prompts.load()

    with Workers() as pool:
        slot = pool.slot("e", lambda: _Starting(beside), str(tiny_model), 0)  # type: ignore[arg-type,return-value]
        pool.start([slot], in_worker=lambda s: True, meanwhile=load_tokenizer)
        assert slot.warm is not None and slot.load_error is None
        assert slot.ready_at is not None and slot.started_at is not None
    assert prompts.make(8, "k").tokens == 8  # the exact count: the tokenizer was loaded
