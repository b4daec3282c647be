"""The engine definitions a run uses, made ready: workers checked, servers up for the whole run.

`serving` checks each worker definition (its interpreter finds the engine) and starts each
server before the first trial, and stops the servers when the run ends, fails, or is
interrupted (Ctrl-C or SIGTERM raise through it, `mlxguard.run.interrupt`): a server runs in a
session of its own, so nothing but mlxguard would stop it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mlxguard.run.prepare import Prepared


@contextlib.contextmanager
def serving(prepared: Prepared) -> Iterator[Prepared]:
    """The run with its servers running, their specs filled in (in its config and engines).

    `{model}` is the model directory the run uses (a synthetic preset is built first).

    Raises:
        UsageError: a worker definition whose interpreter cannot run its engine; a server that
            cannot start, exits, or is not ready in time (already stopped).
    """
    from mlxguard.engines.definitions import preflight

    config = prepared.config
    for name in prepared.defined:
        preflight(name, config.engines[name])
    servers = prepared.servers
    if not servers:
        yield prepared
        return
    from mlxguard.engines.server import ManagedServer

    model_dir = str(prepared.model_dir)
    live = dict(config.engines)
    with contextlib.ExitStack() as stack:
        running = []
        for name in servers:
            server = ManagedServer(name, config.engines[name], model_dir)
            server.start()
            stack.callback(server.stop)
            running.append(server)
            live[name] = live[name].model_copy(update={"spec": server.spec})
        try:
            yield prepared.with_engines(config.model_copy(update={"engines": live}))
        finally:
            from mlxguard.run.logs import console
            from mlxguard.safetext import log_line

            for server in running:
                note = server.died()
                if note:  # on the terminal: the engines' log is where stderr goes during a run
                    console().write(log_line(f"warning: {note}") + "\n")
