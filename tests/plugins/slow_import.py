"""Plugin engines that are slow before `load()`: at import, or when constructed.

Cold `load_ms` must include both (the engine's libraries and construction are load time).
"""

from __future__ import annotations

import time

from .prompts import IdsEcho

IMPORT_S = 0.3
time.sleep(IMPORT_S)  # a heavy library import, as `import mlx_engine` is


class SlowImport(IdsEcho):
    """Streams the prompt back; its module took IMPORT_S to import."""

    name = "slow-import"


class SlowStart(SlowImport):
    """Takes a while to construct (a worker starting, a library initialising)."""

    name = "slow-start"
    START_S = 0.2

    def __init__(self) -> None:
        time.sleep(self.START_S)
