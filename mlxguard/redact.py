"""Keeping secrets out of printed text: tokens and API keys that a server echoes back.

Redact first, cut second: a secret that straddles a cut would otherwise survive in part. A
text that arrives already cut (a server truncated its own page) may end with the start of a
secret, or begin with its end: those pieces are redacted too.
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"
# Shorter pieces are too common to mean anything (and "ghp_" is public knowledge).
MIN_PIECE = 4


def scrub(text: str, secrets: Iterable[str | None], limit: int | None = None) -> str:
    """`text` without any secret, cut to `limit` characters, with no piece of a secret at a cut.

    Args:
        secrets: the values to hide; empty ones are ignored.
        limit: the longest text to return (None: no cut).
    """
    values = [s for s in secrets if s]
    for secret in values:
        text = text.replace(secret, MASK)
    if limit is not None:
        text = text[:limit]
    for secret in values:
        text = _trim_edges(text, secret)
    return text


def _trim_edges(text: str, secret: str) -> str:
    """Mask a start of `secret` at the end of `text` and an end of it at the start."""
    for n in range(min(len(secret) - 1, len(text)), MIN_PIECE - 1, -1):
        if text.endswith(secret[:n]):
            text = text[:-n] + MASK
            break
    for n in range(min(len(secret) - 1, len(text)), MIN_PIECE - 1, -1):
        if text.startswith(secret[-n:]):
            return MASK + text[n:]
    return text
