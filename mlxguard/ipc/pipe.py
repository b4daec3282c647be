"""Frames over a pipe's file descriptor, with a deadline on every wait.

Reads go straight to `os.read` into one buffer and frames are split from it, so a token costs
one `select` and one `read` at most; writes are one `os.write` of the whole frame (no flush).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from typing import Any

from mlxguard.ipc.codec import Codec, FrameError

READ_SIZE = 256 * 1024


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


class FrameReader:
    """Reads messages from `fd` (blocking when `timeout` is None)."""

    def __init__(self, fd: int, codec: Codec) -> None:
        self.fd, self.codec = fd, codec
        self.buf = bytearray()
        self._sel = selectors.DefaultSelector()
        self._sel.register(fd, selectors.EVENT_READ)

    def read(self, timeout: float | None) -> Any:
        """The next message.

        Raises:
            EOFError: the writer closed its end.
            TimeoutError: nothing complete arrived within `timeout` seconds.
            FrameError: bytes that are not a frame of this codec.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            body = self.codec.split(self.buf)
            if body is not None:
                try:
                    return self.codec.loads(body)
                except Exception as e:  # each codec library raises its own types
                    raise FrameError(
                        f"undecodable {self.codec.name} frame: {e}", recoverable=True
                    ) from None
            left = _remaining(deadline)
            if left is not None and (left <= 0 or not self._sel.select(left)):
                raise TimeoutError
            chunk = os.read(self.fd, READ_SIZE)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def close(self) -> None:
        self._sel.close()


class FrameWriter:
    """Writes messages to `fd`; with a timeout the fd is made non-blocking so a full pipe
    (a reader that stopped reading) can never block the writer forever."""

    def __init__(self, fd: int, codec: Codec, *, blocking: bool = True) -> None:
        self.fd, self.codec = fd, codec
        self._sel: selectors.BaseSelector | None = None
        if not blocking:
            os.set_blocking(fd, False)
            self._sel = selectors.DefaultSelector()
            self._sel.register(fd, selectors.EVENT_WRITE)

    def write(self, msg: Any, timeout: float | None = None) -> None:
        """Write one message.

        Raises:
            TimeoutError: the pipe stayed full for `timeout` seconds.
            BrokenPipeError: the reader is gone.
        """
        data = memoryview(self.codec.frame(msg))
        deadline = None if timeout is None else time.monotonic() + timeout
        while data:
            with contextlib.suppress(BlockingIOError):  # a full pipe: wait below
                data = data[os.write(self.fd, data) :]
            if data and self._sel is not None:
                left = _remaining(deadline)
                if (left is not None and left <= 0) or not self._sel.select(left):
                    raise TimeoutError

    def close(self) -> None:
        if self._sel is not None:
            self._sel.close()


__all__ = ["FrameError", "FrameReader", "FrameWriter"]
