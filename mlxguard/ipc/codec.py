"""Codecs and framing of the IPC protocol (docs/ipc-protocol.md).

- `msgpack`: each frame is a 4-byte big-endian unsigned length, then that many bytes of
  MessagePack (strings as str, binary as bin).
- `json`: each frame is one UTF-8 JSON document on one line, ended by `\\n` (compact JSON never
  contains a raw newline: newlines inside strings are escaped).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

CODECS = ("msgpack", "json")

# A length above this means the stream is out of step (e.g. stray text on stdout), not a message.
MAX_FRAME_BYTES = 256 * 2**20


class FrameError(Exception):
    """The byte stream is not a valid sequence of frames.

    `recoverable` is True when one body was undecodable but the framing is intact, so the next
    frame can still be read; False when the stream itself is out of step.
    """

    def __init__(self, message: str, *, recoverable: bool = False) -> None:
        super().__init__(message)
        self.recoverable = recoverable


class Codec(Protocol):
    """One wire format: a message <-> a frame body, and the framing around bodies."""

    name: str

    def dumps(self, msg: Any) -> bytes:
        """The body of one message (no length prefix, no newline)."""
        ...

    def loads(self, body: bytes) -> Any:
        """A message from one body."""
        ...

    def frame(self, msg: Any) -> bytes:
        """The bytes to write for one message: body plus framing."""
        ...

    def split(self, buf: bytearray) -> bytes | None:
        """Remove and return the first complete body in `buf`, or None if it is incomplete."""
        ...


class MsgpackCodec:
    """Length-prefixed MessagePack."""

    name = "msgpack"

    def __init__(self) -> None:
        # Imported here: a json worker in another interpreter needs no msgpack installed.
        import msgpack

        self._packer = msgpack.Packer(use_bin_type=True)
        self._unpackb = msgpack.unpackb

    def dumps(self, msg: Any) -> bytes:
        return self._packer.pack(msg)

    def loads(self, body: bytes) -> Any:
        return self._unpackb(body, raw=False)

    def frame(self, msg: Any) -> bytes:
        body = self._packer.pack(msg)
        return len(body).to_bytes(4, "big") + body

    def split(self, buf: bytearray) -> bytes | None:
        if len(buf) < 4:
            return None
        n = int.from_bytes(buf[:4], "big")
        if n > MAX_FRAME_BYTES:
            raise FrameError(
                f"frame length {n} exceeds {MAX_FRAME_BYTES} bytes: the stream is out of step "
                "(did something else write to the worker's stdout?)"
            )
        if len(buf) < 4 + n:
            return None
        body = bytes(buf[4 : 4 + n])
        del buf[: 4 + n]
        return body


class JsonCodec:
    """Newline-delimited compact JSON. Each byte is searched for the newline once, however the
    frame arrives: a long frame read in many pieces costs time linear in its length."""

    name = "json"

    def __init__(self) -> None:
        self._scanned = 0  # bytes at the start of the buffer known to hold no newline

    def dumps(self, msg: Any) -> bytes:
        return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(self, body: bytes) -> Any:
        return json.loads(body)

    def frame(self, msg: Any) -> bytes:
        return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"

    def split(self, buf: bytearray) -> bytes | None:
        end = buf.find(b"\n", min(self._scanned, len(buf)))
        if end < 0:
            self._scanned = len(buf)
            if len(buf) > MAX_FRAME_BYTES:
                raise FrameError(f"no newline in {len(buf)} bytes: not newline-delimited JSON")
            return None
        body = bytes(buf[:end])
        del buf[: end + 1]
        self._scanned = 0
        return body


def get_codec(name: str) -> Codec:
    """The codec called `name`.

    Raises:
        ValueError: not one of CODECS.
    """
    if name == "msgpack":
        return MsgpackCodec()
    if name == "json":
        return JsonCodec()
    raise ValueError(f"unknown codec '{name}'; choose msgpack or json")
