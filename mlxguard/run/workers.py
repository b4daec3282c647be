"""The warm engines of a run: one per (engine, process), loaded once, warmed up once.

A `Workers` pool outlives a single call of the runner, so adaptive rounds
(`run --until-decisive`) add samples on the very engines (and worker processes) that served the
first samples: no new process, no second model load, no second warm-up. Each slot counts its
loads, and the results record them with the worker's pid, so reuse can be checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from mlxguard.engines import Engine, EngineFactory, check_engine
from mlxguard.engines.children import children, stop_strays
from mlxguard.engines.limits import TRIAL_TIMEOUT_S, TrialTimeout
from mlxguard.errors import UsageError
from mlxguard.run.timing import close_quietly, describe_error, timed_load


class EngineSlot:
    """One process of one engine: a warm instance loaded once, and fresh ones for cold trials."""

    def __init__(
        self,
        label: str,
        factory: EngineFactory,
        model_dir: str,
        timeout_s: float | None = TRIAL_TIMEOUT_S,
    ) -> None:
        self.label, self.factory, self.model_dir = label, factory, model_dir
        self.timeout_s = timeout_s  # the deadline of the warm engine's load, as of a trial
        self.warm: Engine | None = None
        self.load_ns: int | None = None
        self.load_error: str | None = None
        self.loads = 0  # model loads of the warm engine: 1 for the whole run
        self.requests = 0  # warm requests served, warm-ups included
        self.info: dict[str, Any] = {}
        self.name: str | None = None  # the engine's own `name`, once an instance exists
        self.started_at: float | None = None  # time.monotonic() when its warm start began
        self.ready_at: float | None = None  # ... and when it was ready
        # The warm engine while it loads (perhaps in a thread of `Workers.start`), so `close`
        # can stop its worker; `closed`: a load that ends after `close` closes its engine.
        self._loading: Engine | None = None
        self._closed = False

    def new(self) -> Engine:
        engine = check_engine(self.factory(), self.label)
        self.name = engine.name if isinstance(engine.name, str) else None
        return engine

    def _new_warm(self) -> Engine:
        self._loading = self.new()
        return self._loading

    def get_warm(self) -> Engine | None:
        if self.warm is None and self.load_error is None and not self._closed:
            try:
                self.loads += 1
                if self.started_at is None:
                    self.started_at = time.monotonic()
                engine, self.load_ns = timed_load(self._new_warm, self.model_dir, self.timeout_s)
                self._loading, self.ready_at = None, time.monotonic()
                if self._closed:  # closed while it loaded (an interrupted start)
                    close_quietly(engine)
                    return None
                self.warm = engine
                info = getattr(engine, "info", None)
                self.info = info() if callable(info) else {}
            except UsageError:
                raise
            except (Exception, TrialTimeout) as e:
                self.load_error = f"load failed: {describe_error(e)}"
        return self.warm

    def retire(self, why: str) -> None:
        """Close the warm engine and fail this slot's later trials at once: an engine that
        passed a trial's deadline (`why`) is in an unknown state, and may still be busy."""
        self.close()
        self.load_error = f"engine stopped after a trial passed its deadline: {why}"

    @property
    def pid(self) -> int | None:
        """The worker process serving this slot, when the engine runs in one."""
        pid = getattr(self.warm, "pid", None)
        return pid if isinstance(pid, int) else None

    def close(self) -> None:
        self._closed = True
        close_quietly(self._loading)
        close_quietly(self.warm)
        self.warm = None


# How long closing the pool waits for each thread still starting an engine.
JOIN_S = 2.0


class Workers:
    """Engine slots by (engine label, process), kept until `close` (the end of the run).

    Closing the pool also stops any process that an in-process engine started and left
    running (`mlxguard.engines.children.stop_strays`): a plugin's children never outlive it.
    """

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str, str, int], EngineSlot] = {}
        self._starting: list[threading.Thread] = []  # the threads of `start`
        self._children_before = children()  # not the engines': left alone

    def slot(
        self, label: str, factory: EngineFactory, model_dir: str, process: int, kind: str = ""
    ) -> EngineSlot:
        """The slot of `label`'s `process`; created (not loaded) on first use.

        Args:
            kind: tells apart engines of one label set up differently (e.g. honouring EOS).
        """
        key = (kind, label, model_dir, process)
        if key not in self._slots:
            self._slots[key] = EngineSlot(label, factory, model_dir)
        return self._slots[key]

    def start(
        self,
        slots: list[EngineSlot],
        in_worker: Callable[[EngineSlot], bool],
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """Start the warm engines of `slots` all at once, and wait until each is ready.

        Slots whose engine runs in a worker process of its own (`in_worker`) load in threads,
        so their processes start together and the wait is about the slowest one's start, not
        their sum; the others load here meanwhile, one after another, and then `meanwhile` runs.
        Each slot's start time is the moment they were all asked to start.

        `meanwhile` runs in this thread, not beside it: an interrupt then stops it where it is
        (a thread importing libraries when the interpreter exits aborts it).

        Raises:
            UsageError: an engine refused in its load (as `EngineSlot.get_warm`).
        """
        now = time.monotonic()
        todo = [s for s in slots if s.warm is None and s.load_error is None]
        for slot in todo:
            slot.started_at = slot.started_at or now
        refused: list[BaseException] = []

        def load(slot: EngineSlot) -> None:
            try:
                slot.get_warm()
            except BaseException as e:  # a thread's error is the caller's to raise
                refused.append(e)

        threads = [threading.Thread(target=load, args=(s,), daemon=True)
                   for s in todo if in_worker(s)]  # fmt: skip
        self._starting.extend(threads)
        for t in threads:
            t.start()
        for slot in todo:
            if not in_worker(slot):
                slot.get_warm()
        if meanwhile is not None:
            meanwhile()
        for t in threads:
            t.join()
        if refused:
            raise refused[0]

    def close(self) -> None:
        """Close every engine (stopping its worker process); the pool can be used again."""
        slots, self._slots = list(self._slots.values()), {}
        # Worker processes shut down side by side: on an H100 host 20-34 s of each gate's wall
        # time fell outside its measurements while 16 of them stopped in turn (docs/nvidia.md).
        # Split once: a slot's pid is gone as soon as its thread has closed it.
        apart = [s for s in slots if s.pid]
        inside = [s for s in slots if not s.pid]
        closing = [threading.Thread(target=s.close, daemon=True) for s in apart]
        for t in closing:
            t.start()
        for slot in inside:
            slot.close()
        for t in closing:
            t.join()
        # Loads cut short by closing their engines end at once; a load that had not yet
        # started its process closes it when it ends (EngineSlot.close).
        starting, self._starting = self._starting, []
        for t in starting:
            t.join(JOIN_S)
        if slots:
            stop_strays(self._children_before)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
