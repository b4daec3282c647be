"""The engine log's writer: `python -m mlxguard.run.logsink HEAD TAIL`, a process of its own.

It copies its stdin (the run's captured output) to its stdout (the log file), keeping the first
HEAD bytes and the last TAIL bytes, with one line saying how much was dropped between them, so
an engine that prints without end cannot fill the disk. A process, not a thread: C code that
writes to stderr while it holds Python's GIL would wait forever on a full pipe whose reader
needs that GIL.

It stops at end of input, or on SIGTERM (an orphan of an engine may keep the pipe open after
the run), writing the kept tail first; SIGINT is ignored, so Ctrl-C in the terminal does not
cut the log short before the run has stopped.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import deque

READ_SIZE = 65536


class _Stop(Exception):
    pass


def _stop(signum: int, frame: object) -> None:
    raise _Stop


def copy_capped(rfd: int, wfd: int, head: int, tail: int) -> int:
    """Copy `rfd` to `wfd` up to `head` bytes, then keep the last `tail` bytes in memory; at
    the end (EOF or SIGTERM) write a note of the dropped bytes and that tail. Returns the
    number of bytes dropped."""
    written, kept, kept_bytes, total = 0, deque[bytes](), 0, 0
    try:
        while chunk := os.read(rfd, READ_SIZE):
            total += len(chunk)
            if written < head:
                part = chunk[: head - written]
                os.write(wfd, part)
                written += len(part)
                chunk = chunk[len(part) :]
            if chunk:
                kept.append(chunk)
                kept_bytes += len(chunk)
                while kept_bytes - len(kept[0]) >= tail:
                    kept_bytes -= len(kept.popleft())
    except _Stop:
        pass
    data = b"".join(kept)[-tail:] if tail else b""
    dropped = total - written - len(data)
    if dropped > 0:
        # Start the tail on a whole line, so the note and every kept line read cleanly.
        cut = data.find(b"\n")
        if 0 <= cut < len(data) - 1:
            dropped += cut + 1
            data = data[cut + 1 :]
        note = (
            f"\n[mlxguard: {dropped} bytes of engine output dropped here: the log keeps the "
            f"first {head} and the last {tail} bytes]\n"
        )
        os.write(wfd, note.encode() + data)
    else:
        os.write(wfd, data)
    return max(dropped, 0)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    head, tail = int(sys.argv[1]), int(sys.argv[2])
    copy_capped(0, 1, head, tail)


if __name__ == "__main__":
    main()
