"""A run's own costs around its workers: how they stop."""

from __future__ import annotations

import threading

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
