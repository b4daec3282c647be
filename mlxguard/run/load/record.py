"""What one request of a load window did, stamped by the client: the raw evidence of a window.

Every time is a `perf_counter_ns` reading of the measuring process, so every figure is a
difference of two readings of one clock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

NS_PER_MS = 1e6


@dataclass
class RequestRecord:
    """One request: when it was planned, queued, sent, streamed and finished.

    Attributes:
        key: the request's key (`mlxguard.run.load.workload.LoadRequest.key`).
        prompt_tokens: its prompt length as the prompt builder made it (None: unknown).
        planned_ns: open loop: when the arrival process planned it (None: closed loop).
        sent_ns: when it was sent (after any wait for a client slot).
        queued_ns: how long it waited for a client slot (an open loop with a limit), in ns.
        chunk_ns: when each non-empty piece of output arrived.
        done_ns: when the stream ended (or failed).
        usage: the server's own counts (`prompt_tokens`, `completion_tokens`, `cached_tokens`),
            where it reported them.
        error: why it failed; None when it succeeded.
    """

    key: str
    prompt_tokens: int | None
    planned_ns: int | None = None
    sent_ns: int = 0
    queued_ns: int = 0
    chunk_ns: list[int] = field(default_factory=list)
    done_ns: int = 0
    usage: dict[str, int] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """It succeeded and streamed at least one piece of output."""
        return self.error is None and bool(self.chunk_ns)

    @property
    def output_tokens(self) -> int:
        """Tokens generated: the server's count where it gave one, else the pieces received."""
        counted = (self.usage or {}).get("completion_tokens")
        return counted if counted else len(self.chunk_ns)

    @property
    def ttft_ms(self) -> float:
        """Sent -> first piece of output, in ms."""
        return (self.chunk_ns[0] - self.sent_ns) / NS_PER_MS

    @property
    def e2e_ms(self) -> float:
        """Sent -> last piece of output, in ms."""
        return (self.chunk_ns[-1] - self.sent_ns) / NS_PER_MS

    @property
    def tpot_ms(self) -> float | None:
        """(e2e - TTFT) / (output tokens - 1), in ms; None for a single token."""
        n = self.output_tokens
        return (self.chunk_ns[-1] - self.chunk_ns[0]) / NS_PER_MS / (n - 1) if n > 1 else None

    @property
    def itl_ms(self) -> list[float]:
        """Gaps between consecutive pieces of output, in ms."""
        c = self.chunk_ns
        return [(b - a) / NS_PER_MS for a, b in itertools.pairwise(c)]

    @property
    def late_ms(self) -> float | None:
        """Open loop: how late the client sent it after its planned time, less any queueing
        for a slot (the client's own lag), in ms; None for a closed loop."""
        if self.planned_ns is None:
            return None
        return max(0.0, (self.sent_ns - self.planned_ns - self.queued_ns) / NS_PER_MS)
