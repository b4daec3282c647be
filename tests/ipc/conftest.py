"""Fixtures of the ipc tests."""

from __future__ import annotations

import pytest

from mlxguard.engines.ipc_engine import IpcEngine


@pytest.fixture
def engine():
    """Make ipc engines (`engine(codec, **options)`); every one is closed after the test."""
    made: list[IpcEngine] = []

    def make(codec: str = "msgpack", **kw) -> IpcEngine:
        made.append(IpcEngine(codec, **kw))
        return made[-1]

    yield make
    for e in made:
        e.close()
