"""Progress on stderr: a bar with ETA on a terminal; plain lines where no bar shows (CI logs).

Both are silent with --quiet. They write to the real stderr also while engine logs are captured.
The ETA comes from the timed trials done so far, from the first one on: warm-ups (which may
include a long model load) say little of how long a timed trial takes. In a CI log, a suite
says what it starts, how long its first timed trial took, then where it is (`12/40 trials; ETA
0:00:31`) at least every `LINE_EVERY_S` seconds while it runs, so a long suite is never silent
for minutes (the flexible suite's 40 answers once showed one line in 71 s).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mlxguard.run.logs import console
from mlxguard.safetext import log_line

# In a CI log, the longest silence while trials run (a line comes after a trial ends).
LINE_EVERY_S = 10.0


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Progress:
    """Counts trials; a rich bar when someone watches a terminal, else a few plain lines.

    Args:
        enabled: True, a bar; False, nothing (--quiet); None, a bar on a terminal and plain
            lines elsewhere (a CI log).
        clock: seconds, monotonic (a test's own clock).
    """

    def __init__(
        self,
        enabled: bool | None = None,
        label: str = "trials",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        tty = console().isatty()
        self.enabled = tty if enabled is None else enabled
        self.lines = enabled is None and not tty
        self.label = label
        self._clock = clock
        self._bar: Any = None
        self._task: Any = None
        self._total = self._done = self._timed = 0
        self._timed_s = 0.0
        self._last = self._noted = 0.0
        self._title = ""

    def start(self, total: int, title: str = "", engines: list[str] | None = None) -> None:
        """A new plan of `total` steps; `title` (the suite) and `engines` name it in a CI log."""
        self._total, self._done, self._timed, self._timed_s = total, 0, 0, 0.0
        self._last = self._clock()
        self._title = title
        if title:
            self.note(f"{title}: {total} {self.label} on {', '.join(engines or [])}")
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            console=Console(file=console()),
            transient=True,
            # rich would replace sys.stdout and sys.stderr with proxies that print above the
            # bar, on the terminal: engine output (a print, a handler made during the run) must
            # reach the engine log instead, as it does with no bar.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=total, eta="after the first trial")

    def resize(self, total: int) -> None:
        """The plan now has `total` steps (its processes were chosen once the workers started)."""
        self._total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def describe(self, text: str) -> None:
        """Show what is running now."""
        if self._bar is not None:
            self._bar.update(self._task, description=text)

    def eta(self) -> float | None:
        """Seconds left, from the mean of the timed trials so far; None before the first."""
        if not self._timed:
            return None
        return self._timed_s / self._timed * (self._total - self._done)

    def step(self, warmup: bool = False) -> None:
        """One item done (a warm-up does not count towards the ETA)."""
        now = self._clock()
        self._done += 1
        if not warmup:
            self._timed += 1
            self._timed_s += now - self._last
        self._last = now
        eta = self.eta()
        if self._title and self._timed == 1 and not warmup and eta is not None:
            self.note(f"{self._title}: first timed trial {self._timed_s:.2f} s; ETA {_clock(eta)}")
        elif self._title and self._done < self._total and now - self._noted >= LINE_EVERY_S:
            left = "" if eta is None else f"; ETA {_clock(eta)}"
            self.note(f"{self._title}: {self._done}/{self._total} {self.label}{left}")
        if self._bar is not None:
            shown = "after the first trial" if eta is None else _clock(eta)
            self._bar.update(self._task, advance=1, eta=shown)

    def note(self, text: str) -> None:
        """One line in the CI log (nothing on a terminal, where the bar shows it)."""
        if self.lines:
            print(log_line(text), file=console(), flush=True)
            self._noted = self._clock()

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
        print(log_line(text), file=out, flush=True)
