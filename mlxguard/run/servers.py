"""The engine definitions a run uses, made ready: workers checked, servers up for the whole run.

`serving` checks each worker definition (its interpreter finds the engine) and starts each
server before the first trial, and stops the servers when the run ends, fails, or is
interrupted (Ctrl-C or SIGTERM raise through it, `mlxguard.run.interrupt`): a server runs in a
session of its own, so nothing but mlxguard would stop it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mlxguard.config import Config


@contextlib.contextmanager
def serving(config: Config, names: list[str]) -> Iterator[Config]:
    """The config with the servers among the definitions `names` running, their specs filled in.

    `{model}` is the model directory the run uses (a synthetic preset is built first).

    Raises:
        UsageError: a worker definition whose interpreter cannot run its engine; a server that
            cannot start, exits, or is not ready in time (already stopped).
    """
    from mlxguard.engines.definitions import preflight

    for name in names:
        preflight(name, config.engines[name])
    servers = [name for name in names if config.engines[name].server]
    if not servers:
        yield config
        return
    from mlxguard.engines.server import ManagedServer
    from mlxguard.models.synthetic import resolve_model

    model_dir = str(resolve_model(config.model))
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
            yield config.model_copy(update={"engines": live})
        finally:
            from mlxguard.run.logs import console

            for server in running:
                note = server.died()
                if note:  # on the terminal: the engines' log is where stderr goes during a run
                    console().write(f"warning: {note}\n")
