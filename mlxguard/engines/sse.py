"""Server-sent events: split a byte stream into the `data` payloads of its events.

Only what OpenAI-compatible servers use: `data:` fields (several lines in one event are joined
with newlines), comment lines (`: keepalive`) and other fields are skipped, and an event ends at
a blank line. Pure, so it can be tested on crafted bytes. `EventDecoder` takes one line at a
time, for readers that split lines themselves (the asynchronous load client); `iter_sse_data`
splits a byte stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class EventDecoder:
    """Collects the `data` lines of one event; `line` returns the event's data when it ends."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def line(self, line: str) -> str | None:
        """Take one line (without its line ending); the event's data if this line ended it."""
        if not line:
            data, self._data = self._data, []
            return "\n".join(data) if data else None
        if not line.startswith(":"):
            field, _, value = line.partition(":")
            if field == "data":
                self._data.append(value.removeprefix(" "))
        return None

    def end(self) -> str | None:
        """The data of an event left unterminated when the stream ended, if any."""
        return self.line("")


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            yield line.rstrip(b"\r").decode("utf-8", errors="replace")
    if buffer:
        yield buffer.rstrip(b"\r").decode("utf-8", errors="replace")


def iter_sse_data(chunks: Iterable[bytes]) -> Iterator[str]:
    """Yield each event's data as soon as the blank line that ends it arrives.

    An event left unterminated when the stream ends is still yielded: a server that forgets
    the last blank line should not lose its final chunk.
    """
    decoder = EventDecoder()
    for line in _lines(chunks):
        data = decoder.line(line)
        if data is not None:
            yield data
    last = decoder.end()
    if last is not None:
        yield last
