"""The stderr of engine processes (ipc workers, fresh-process trials), as log records.

Each line becomes an INFO record of the `mlxguard.engines.worker` logger: silent by default
(Python drops INFO without a handler), and in the run's log file while `mlxguard run` captures
engine logs (`mlxguard.run.logs`).
"""

from __future__ import annotations

import logging
import sys

_logger = logging.getLogger("mlxguard.engines.worker")
FORMAT = "[%(name)s][%(levelname)s]: %(message)s"


def log_to_stderr() -> None:
    """In an engine's own process: every logger's INFO lines to stderr, which the parent logs
    (Python would drop INFO from loggers without a handler)."""
    logging.basicConfig(level=logging.INFO, format=FORMAT, stream=sys.stderr)


def log_worker_line(source: str, line: str) -> None:
    """One stderr line of an engine's process; `source` names it ("ipc worker 4711")."""
    _logger.info("%s: %s", source, line)
