"""A run's own costs around its workers: what it loads while they start, and how they stop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import mlxguard.run.prompts as prompts
from mlxguard.run.workers import Workers


def test_the_tokenizer_loads_while_the_run_goes_on(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Building the prompt factory must not wait for the tokenizer (its libraries took 10 s to
    # import on a GPU host, all of it before the first worker started); its first prompt does.
    release = threading.Event()
    load = prompts._load_tokenizer

    def held(model_dir: str | Path) -> Any:
        assert release.wait(30)
        return load(model_dir)

    monkeypatch.setattr(prompts, "_load_tokenizer", held)
    factory = prompts.PromptFactory(str(tiny_model), seed=0)  # returns while the load waits
    release.set()
    prompt = factory.make(16, "k")
    assert prompt.tokens == 16 and prompt.ids is not None and len(prompt.ids) == 16


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
