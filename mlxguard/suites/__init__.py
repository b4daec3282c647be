"""Suites: named workloads, each an object following `mlxguard.run.context.Suite`.

The registry maps each name to where its suite object lives, imported only when chosen (so
`--help` loads no suite). Nothing outside a suite looks at its name: the run stage asks the
suite object (`engines`, `scenarios`, `run`, `extend`). docs/suites.md, "Writing a suite".
"""

from __future__ import annotations

import importlib

from mlxguard.config import flag_name, samples_flag
from mlxguard.errors import UsageError
from mlxguard.run.context import SUITE_OPTIONS, Suite

__all__ = ["SUITES", "ignored_options", "load_suites", "parse_suites"]

# Suite name -> "module:attribute" of its suite object, in the order `--suite all` runs them.
SUITES: dict[str, str] = {
    "ttft": "mlxguard.suites.generation:TTFT",
    "throughput": "mlxguard.suites.generation:THROUGHPUT",
    "ipc": "mlxguard.suites.ipc:IPC",
    "compare": "mlxguard.suites.compare:COMPARE",
    "flexible": "mlxguard.suites.flexible:FLEXIBLE",
    "load": "mlxguard.suites.load:LOAD",
}


def load_suites(names: list[str]) -> list[Suite]:
    """The suite objects of `names` (registered names; see `parse_suites`), imported now."""
    out = []
    for name in names:
        module, _, attr = SUITES[name].partition(":")
        out.append(getattr(importlib.import_module(module), attr))
    return out


def parse_suites(value: str | list[str]) -> list[str]:
    """Split and validate `--suite a,b` (or `all`), keeping the registry's order.

    Raises:
        UsageError: an unknown suite name.
    """
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n.strip()]
    if not names:
        raise UsageError(f"no suite given; choose from {', '.join(SUITES)} or 'all'")
    if "all" in names:
        return list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise UsageError(f"unknown suite '{unknown[0]}'; choose from {', '.join(SUITES)} or 'all'")
    return [n for n in SUITES if n in names]


def ignored_options(suites: list[Suite], given: dict[str, object]) -> list[str]:
    """One warning line for each setting given (not None: a flag on the command line) that no
    suite of `suites` reads: `SUITE_OPTIONS`' keys, and `until_decisive` (true) where no suite
    adds rounds. The run goes on: a flag shared by several runs of a workflow is no mistake."""
    names = [s.name for s in suites]
    many = len(names) > 1
    run = f"the {' and '.join(names)} suite{'s' if many else ''}"
    does, adds = ("do", "add") if many else ("does", "adds")
    out = []
    for key, value in given.items():
        if value is None or (value is False and key == "until_decisive"):
            continue  # not given (--until-decisive is a plain flag: False is its absence)
        if key == "until_decisive":
            if not any(s.rounds for s in suites):
                out.append(f"warning: --until-decisive is ignored: {run} {adds} no rounds")
            continue
        if key not in SUITE_OPTIONS or any(key in s.options for s in suites):
            continue
        hint = ""
        if key == "samples":
            counts = "; ".join(f"{s.name}: {samples_flag(s.name)}" for s in suites)
            hint = f" (what sets the count: {counts})"
        # --fresh-process/--same-process is one setting: False was given as --same-process.
        flag = "--same-process" if key == "fresh_process" and value is False else flag_name(key)
        out.append(f"warning: {flag} is ignored: {run} {does} not read it{hint}")
    return out
