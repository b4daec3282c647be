"""The warm engines of a run: one per (engine, process), loaded once, warmed up once.

A `Workers` pool outlives a single call of the runner, so adaptive rounds
(`run --until-decisive`) add samples on the very engines (and worker processes) that served the
first samples: no new process, no second model load, no second warm-up. Each slot counts its
loads, and the results record them with the worker's pid, so reuse can be checked.
"""

from __future__ import annotations

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

    def new(self) -> Engine:
        engine = check_engine(self.factory(), self.label)
        self.name = engine.name if isinstance(engine.name, str) else None
        return engine

    def get_warm(self) -> Engine | None:
        if self.warm is None and self.load_error is None:
            try:
                self.loads += 1
                engine, self.load_ns = timed_load(self.new, self.model_dir, self.timeout_s)
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
        close_quietly(self.warm)
        self.warm = None


class Workers:
    """Engine slots by (engine label, process), kept until `close` (the end of the run).

    Closing the pool also stops any process that an in-process engine started and left
    running (`mlxguard.engines.children.stop_strays`): a plugin's children never outlive it.
    """

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str, str, int], EngineSlot] = {}
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

    def close(self) -> None:
        """Close every engine (stopping its worker process); the pool can be used again."""
        slots, self._slots = self._slots, {}
        for slot in slots.values():
            slot.close()
        if slots:
            stop_strays(self._children_before)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
