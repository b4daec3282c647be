"""One cold trial in a fresh process: `python -m mlxguard.run.fresh_process`.

The child times the load (from before the engine's libraries are imported: resolving the spec
and constructing the engine are load time), times one generation, and writes the raw record
back as JSON. Every timestamp comes from the child's own `perf_counter_ns`, and every
metric is a difference of two stamps from the same clock, so nothing is lost by crossing the
process boundary. Nothing of the parent (imported libraries, warm caches, allocator state)
reaches the child: this is what a user's first request after `import` looks like.

Protocol: one JSON request object on stdin, one JSON `Generation` object on stdout.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from mlxguard.engines import children
from mlxguard.engines.watchdog import stop_group
from mlxguard.engines.worker_log import log_to_stderr, log_worker_line
from mlxguard.errors import UsageError
from mlxguard.run.interrupt import Interrupted, interruptible
from mlxguard.run.timing import Generation, Request, cold_generate, describe_error

STOP_GRACE_S = 5.0  # how long an interrupted child may take to close its engine
# The end of a child's stderr (its engine's output) that reaches the run's log; the rest waits
# in a temp file, not in memory, and is dropped with it.
STDERR_TAIL_BYTES = 1 * 2**20


def _child_path() -> str:
    """PYTHONPATH for the child: this package's root, then the parent's import path.

    The parent's path matters for `module:attr` plugins that the parent could import.
    """
    root = str(Path(__file__).resolve().parents[2])
    entries = [root, *(str(Path(p).resolve()) for p in sys.path if p)]
    return os.pathsep.join(dict.fromkeys(entries))


def run_fresh(spec: str, model_dir: str, request: Request, *, codec: str = "msgpack") -> Generation:
    """Run one trial (load + generate) in a new Python process and return its record.

    A child that crashes becomes a record with an error, like an engine failing in-process.
    """
    job = {
        "spec": spec,
        "model_dir": model_dir,
        "codec": codec,
        "request": dataclasses.asdict(request),
    }
    env = {**os.environ, "PYTHONPATH": _child_path()}
    with (
        tempfile.TemporaryFile() as err,
        subprocess.Popen(
            [sys.executable, "-m", "mlxguard.run.fresh_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env,
            start_new_session=True,  # its group is stopped as a whole, what its engine started too
        ) as proc,
    ):
        children.own(proc.pid)
        # The child keeps the trial's deadline itself; this bounds a child stuck where its own
        # alarm cannot reach (native code).
        wait = None if request.timeout_s is None else request.timeout_s + STOP_GRACE_S
        try:
            stdout, _ = proc.communicate(json.dumps(job), timeout=wait)
        except subprocess.TimeoutExpired:
            _stop(proc)
            return Generation(
                error=f"fresh process passed the trial's deadline of {request.timeout_s:g} s "
                "(trial_timeout_s) and was stopped",
                timed_out=True,
            )
        except BaseException:  # interrupted: the child closes its engine on SIGTERM, then exits
            _stop(proc)
            raise
        finally:
            stop_group(proc.pid, STOP_GRACE_S)  # what the engine left in the child's group
            children.disown(proc.pid)
        stderr = _tail(err)
    for line in stderr.splitlines():  # the engine's own output, for the run's log
        log_worker_line("fresh process", line)
    if proc.returncode != 0:
        last = (stderr.strip().splitlines() or ["no output"])[-1][:300]
        return Generation(error=f"fresh process exited with {proc.returncode}: {last}")
    try:
        return Generation(**json.loads(stdout))
    except (ValueError, TypeError) as e:
        return Generation(error=f"fresh process sent an unreadable record: {e}")


def _tail(file: IO[bytes]) -> str:
    """The last STDERR_TAIL_BYTES of `file`, from the start of a line."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - STDERR_TAIL_BYTES))
    data = file.read()
    if size > STDERR_TAIL_BYTES:
        data = data[data.find(b"\n") + 1 :]
    return data.decode("utf-8", "replace")


def _request(fields: dict[str, Any]) -> Request:
    """The request as the parent sent it (JSON has lists where the request has tuples)."""
    ids = fields.get("prompt_ids")
    return Request(**{**fields, "prompt_ids": None if ids is None else tuple(ids)})


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM to the child's group (the child then closes its engine and any worker of its
    own), SIGKILL after STOP_GRACE_S."""
    stop_group(proc.pid, STOP_GRACE_S, reap=proc.poll)
    proc.wait()


def _trial(job: dict[str, Any]) -> Generation:
    from mlxguard.engines import check_engine, configured_engine

    spec, codec = job["spec"], job.get("codec", "msgpack")

    def new_engine() -> Any:
        # Resolved inside the timed load: a plugin's module, like mlx_engine or mlx_lm, is
        # first imported here, and cold load_ms includes importing the engine's libraries.
        return check_engine(configured_engine(spec, codec)(), spec)

    try:
        return cold_generate(new_engine, job["model_dir"], _request(job["request"]))
    except UsageError as e:  # in the child this is a failed trial; the parent reports it
        return Generation(error=f"load failed: {describe_error(e)}")


def main() -> None:
    """The child: read the request, run it, write the record."""
    # The record owns the real stdout; whatever the engine prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    log_to_stderr()
    job = json.load(sys.stdin)
    try:
        with interruptible():  # SIGTERM from the parent: close the engine (its worker) first
            rec = _trial(job)
    except Interrupted:
        sys.exit(130)
    json.dump(dataclasses.asdict(rec), out)
    out.close()
    # The trial is measured and its engine closed. Leave without the interpreter's teardown:
    # native threads of some engines abort it (mlx_engine's sequential kit: "terminate called
    # without an active exception", exit -6, in 2 of 10 children), which would lose the record.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
