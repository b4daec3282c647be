"""In-process batching: mlx-lm's `BatchGenerator` serving load requests, no server in between.

One thread owns the model and the generator (MLX work stays on that thread's stream, as in
mlx_lm.server); the event loop hands it requests through a queue and is woken when each ends.
Every piece of output is stamped on the generating thread as the batch step that made it
returns, so the event loop's own latency is not in the figures. End-of-sequence tokens are not
stop tokens here, so every request generates exactly its `max_tokens`.

Available where the installed mlx-lm has `mlx_lm.generate.BatchGenerator` (0.28.4 and later);
`batching_available` says, and the load suite refuses an `mlx-lm` engine without it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from mlxguard.engines.limits import TRIAL_TIMEOUT_S, TrialTimeout
from mlxguard.run.load.record import RequestRecord
from mlxguard.run.load.workload import LoadRequest

# How long the generating thread waits for a request when it has nothing to do, s.
IDLE_WAIT_S = 0.01


def batching_available() -> bool:
    """Whether the installed mlx-lm has `BatchGenerator`."""
    try:
        from mlx_lm.generate import BatchGenerator  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Pending:
    ids: list[int]
    max_tokens: int
    record: RequestRecord
    done: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop
    chunks: list[int] = field(default_factory=list)


class BatchTarget:
    """mlx-lm's continuous batching in a thread of this process; use as `async with`.

    Args:
        model_dir: the model to load.
        deadline_s: the longest a request may wait for its end (`trial_timeout_s`).
        completion_batch_size: sequences decoded together at most (mlx_lm.server's
            `--decode-concurrency`, 32).
        prefill_batch_size: prompts processed together at most (`--prompt-concurrency`, 8).
    """

    def __init__(
        self,
        model_dir: str,
        deadline_s: float = TRIAL_TIMEOUT_S,
        completion_batch_size: int = 32,
        prefill_batch_size: int = 8,
    ) -> None:
        self.model_dir = model_dir
        self.deadline_s = deadline_s
        self.sizes = (completion_batch_size, prefill_batch_size)
        self._inbox: queue.Queue[_Pending] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="mlxguard-batch", daemon=True)
        self._tokenizer: Any = None

    async def __aenter__(self) -> BatchTarget:
        self._thread.start()
        await asyncio.get_running_loop().run_in_executor(None, self._ready.wait)
        if self._failure is not None:
            raise self._failure
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)

    async def send(self, request: LoadRequest, record: RequestRecord) -> RequestRecord:
        """Generate `request` in the batch; a failure of the generator is the record's error."""
        loop = asyncio.get_running_loop()
        ids = list(self._tokenizer.encode(request.prompt))
        pending = _Pending(ids, request.max_tokens, record, loop.create_future(), loop)
        record.sent_ns = time.perf_counter_ns()
        self._inbox.put(pending)
        try:
            await asyncio.wait_for(asyncio.shield(pending.done), self.deadline_s)
        except TimeoutError:
            record.error = str(TrialTimeout(self.deadline_s))
        except RuntimeError as e:
            record.error = f"mlx-lm batch generation failed: {e}"
        record.done_ns = time.perf_counter_ns()
        record.chunk_ns = list(pending.chunks)
        record.usage = {"prompt_tokens": len(ids), "completion_tokens": len(pending.chunks)}
        return record

    def _serve(self) -> None:
        """The generating thread: load, then insert new requests and step the batch."""
        try:
            import mlx.core as mx
            from mlx_lm import load
            from mlx_lm.generate import BatchGenerator

            loaded = load(self.model_dir)  # (model, tokenizer), and the config when asked
            model, self._tokenizer = loaded[0], loaded[1]
            generator = BatchGenerator(
                model,
                stop_tokens=None,
                completion_batch_size=self.sizes[0],
                prefill_batch_size=self.sizes[1],
                stream=mx.default_stream(mx.default_device()),
            )
        except BaseException as e:  # reported to the event loop, which raises it
            self._failure = e
            self._ready.set()
            return
        self._ready.set()
        active: dict[int, _Pending] = {}
        try:
            while not self._stop.is_set():
                self._admit(generator, active)
                if not active:
                    continue
                responses = generator.next_generated()
                now = time.perf_counter_ns()
                for r in responses:
                    pending = active[r.uid]
                    pending.chunks.append(now)
                    if r.finish_reason is not None:
                        del active[r.uid]
                        pending.loop.call_soon_threadsafe(_finish, pending.done, None)
        except Exception as e:  # every waiting request fails with it
            for pending in active.values():
                pending.loop.call_soon_threadsafe(_finish, pending.done, RuntimeError(str(e)))
        finally:
            generator.close()

    def _admit(self, generator: Any, active: dict[int, _Pending]) -> None:
        """Insert the requests that arrived (waiting a moment when nothing runs)."""
        try:
            first = None if active else self._inbox.get(timeout=IDLE_WAIT_S)
        except queue.Empty:
            return
        arrived = [first] if first is not None else []
        while True:
            try:
                arrived.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        if arrived:
            uids = generator.insert([p.ids for p in arrived], [p.max_tokens for p in arrived])
            active.update(zip(uids, arrived, strict=True))


def _finish(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
