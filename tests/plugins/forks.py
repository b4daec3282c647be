"""A plugin engine that starts helper processes and never stops them, writing each helper's pid
to a file in $FORKS_DIR. No mlxguard imports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .prompts import IdsEcho


class Forks(IdsEcho):
    """Starts a sleeping helper at load, and one that forks a grandchild."""

    name = "forks"

    def load(self, model: str) -> None:
        super().load(model)
        where = Path(os.environ["FORKS_DIR"])
        where.mkdir(parents=True, exist_ok=True)
        sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        (where / f"{sleeper.pid}.pid").touch()
        # A helper that starts a grandchild and records it: a tree, not only direct children.
        script = (
            "import subprocess, sys, time, pathlib; "
            "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
            f"pathlib.Path({str(where)!r}, f'{{g.pid}}.pid').touch(); "
            f"pathlib.Path({str(where)!r}, 'grandchild-{{}}'.format(g.pid)).touch(); "
            "time.sleep(600)"
        )
        before = set(where.glob("grandchild-*"))
        parent = subprocess.Popen([sys.executable, "-c", script])
        (where / f"{parent.pid}.pid").touch()
        for _ in range(600):  # the grandchild exists before load returns
            if set(where.glob("grandchild-*")) - before:
                break
            time.sleep(0.05)
