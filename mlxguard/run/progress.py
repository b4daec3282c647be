"""Progress on stderr: a bar with ETA on a terminal; plain lines where no bar shows (CI logs).

Both are silent with --quiet. They write to the real stderr also while engine logs are captured.
"""

from __future__ import annotations

from typing import Any

from mlxguard.run.logs import console


class Progress:
    """Counts trials; renders with rich only when someone is watching."""

    def __init__(self, enabled: bool | None = None, label: str = "trials") -> None:
        self.enabled = console().isatty() if enabled is None else enabled
        self.label = label
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=console()),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=total)

    def describe(self, text: str) -> None:
        """Show what is running now."""
        if self._bar is not None:
            self._bar.update(self._task, description=text)

    def step(self) -> None:
        """One item done."""
        if self._bar is not None:
            self._bar.advance(self._task)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def progress_line(text: str, quiet: bool = False) -> None:
    """One line on stderr when stderr is not a terminal (a CI log), so long runs show progress.

    On a terminal the bar already shows it; `quiet` silences both.
    """
    out = console()
    if not quiet and not out.isatty():
        print(text, file=out, flush=True)
