"""Server-sent events: split a byte stream into the `data` payloads of its events.

Only what OpenAI-compatible servers use: `data:` fields (several lines in one event are joined
with newlines), comment lines (`: keepalive`) and other fields are skipped, and an event ends at
a blank line. Pure, so it can be tested on crafted bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


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
    data: list[str] = []
    for line in _lines(chunks):
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value.removeprefix(" "))
    if data:
        yield "\n".join(data)
