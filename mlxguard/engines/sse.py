"""Server-sent events: split a byte stream into the `data` payloads of its events.

Only what OpenAI-compatible servers use: `data:` fields (several lines in one event are joined
with newlines), comment lines (`: keepalive`) and other fields are skipped, and an event ends at
a blank line. Pure, so it can be tested on crafted bytes. `SSEParser` splits a byte stream
into lines as it arrives (the `openai:` engine through `iter_sse_data`, the asynchronous load
client chunk by chunk) and `EventDecoder` collects each event's data lines.

Bounded: a line longer than `MAX_LINE_BYTES` or an event larger than `MAX_EVENT_BYTES` is an
`SSETooLarge` error (a server streaming one line without end would otherwise fill memory), and
each byte is scanned once, however the stream is cut into chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# An OpenAI stream event is a few hundred bytes; a chat completion chunk with logprobs a few kB.
MAX_LINE_BYTES = 1 * 2**20
MAX_EVENT_BYTES = 4 * 2**20


class SSETooLarge(ValueError):
    """A line or an event of the stream exceeds its cap."""


class EventDecoder:
    """Collects the `data` lines of one event; `line` returns the event's data when it ends."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self._data: list[str] = []
        self._size = 0

    def line(self, line: str) -> str | None:
        """Take one line (without its line ending); the event's data if this line ended it.

        Raises:
            SSETooLarge: the event's data lines exceed `max_event_bytes`.
        """
        if not line:
            data, self._data, self._size = self._data, [], 0
            return "\n".join(data) if data else None
        if not line.startswith(":"):
            field, _, value = line.partition(":")
            if field == "data":
                self._size += len(line)
                if self._size > self.max_event_bytes:
                    raise SSETooLarge(f"an event larger than {self.max_event_bytes} bytes")
                self._data.append(value.removeprefix(" "))
        return None

    def end(self) -> str | None:
        """The data of an event left unterminated when the stream ended, if any."""
        return self.line("")


class SSEParser:
    """Feed bytes as they arrive; get each event's data as soon as its blank line arrives."""

    def __init__(
        self, max_line_bytes: int = MAX_LINE_BYTES, max_event_bytes: int = MAX_EVENT_BYTES
    ) -> None:
        self.max_line_bytes = max_line_bytes
        self._events = EventDecoder(max_event_bytes)
        self._buf = bytearray()
        self._scanned = 0  # bytes of `_buf` already searched for a newline

    def feed(self, chunk: bytes) -> list[str]:
        """The data of every event that `chunk` completes.

        Raises:
            SSETooLarge: a line or an event beyond its cap.
        """
        buf = self._buf
        buf += chunk
        out: list[str] = []
        start = 0
        while (end := buf.find(b"\n", max(start, self._scanned))) >= 0:
            self._line(bytes(buf[start:end]), out)
            start = end + 1
        del buf[:start]
        self._scanned = len(buf)
        if len(buf) > self.max_line_bytes:
            raise SSETooLarge(f"a line longer than {self.max_line_bytes} bytes")
        return out

    def end(self) -> list[str]:
        """The data of an event left unterminated when the stream ended (a server that forgets
        the last blank line should not lose its final chunk)."""
        out: list[str] = []
        if self._buf:
            self._line(bytes(self._buf), out)
            self._buf.clear()
            self._scanned = 0
        last = self._events.end()
        return [*out, last] if last is not None else out

    def _line(self, raw: bytes, out: list[str]) -> None:
        if len(raw) > self.max_line_bytes:
            raise SSETooLarge(f"a line longer than {self.max_line_bytes} bytes")
        data = self._events.line(raw.rstrip(b"\r").decode("utf-8", errors="replace"))
        if data is not None:
            out.append(data)


def iter_sse_data(chunks: Iterable[bytes]) -> Iterator[str]:
    """Yield each event's data as soon as the blank line that ends it arrives.

    Raises:
        SSETooLarge: a line or an event beyond its cap.
    """
    parser = SSEParser()
    for chunk in chunks:
        yield from parser.feed(chunk)
    yield from parser.end()
