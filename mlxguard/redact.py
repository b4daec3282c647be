"""Keeping secrets out of printed text: tokens and API keys that a server echoes back, and
credentials in a command line or a URL that a results file would otherwise record.

Redact first, cut second: a secret that straddles a cut would otherwise survive in part. A
text that arrives already cut (a server truncated its own page) may end with the start of a
secret, or begin with its end: those pieces are redacted too.
"""

from __future__ import annotations

import re
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


# The user information of a URL (`https://user:PASS@host`, `https://TOKEN@host`).
_URL_CREDENTIALS = re.compile(r'(?i)\b([a-z][a-z0-9+.-]*://)([^/?#@\s:"]*)(:[^/?#@\s"]*)?@')
# An option whose value is a credential, by its name: `--api-key X`, `--token=X`, `--hf_token`,
# `--auth`, `--bearer`, `--credentials`, `--password`, `--cookie`, and curl's `-k`... `-u`.
CREDENTIAL_OPTION = re.compile(
    r"--?[\w-]*(key|token|secret|passw(or)?d|passphrase|pwd|auth\w*|bearer|credentials?|cookie)"
    r"[\w-]*|-[ku]",
    re.IGNORECASE,
)
# A header argument that carries a credential: `-H "Authorization: Bearer X"`.
_CREDENTIAL_HEADER = re.compile(
    r"(?i)^(\s*(?:proxy-)?authorization|\s*x-api-key|\s*api-key|\s*cookie)\s*:.*$"
)


def mask_credentials(text: str) -> str:
    """`text` with the user information of every URL in it masked (`https://user:***@host`)."""
    return _URL_CREDENTIALS.sub(
        lambda m: f"{m[1]}{m[2]}:{MASK}@" if m[3] else f"{m[1]}{MASK}@", text
    )


def masked_command(command: list[str]) -> list[str]:
    """A command line with every credential masked: the value of an option named like one
    (`--api-key ***`, `--auth=***`, `-k ***`), an authorization header's value, and the user
    information of any URL in an argument."""
    out: list[str] = []
    for arg in command:
        name, eq, _ = arg.partition("=")
        if out and CREDENTIAL_OPTION.fullmatch(command[len(out) - 1]) and not arg.startswith("--"):
            out.append(MASK)
        elif eq and CREDENTIAL_OPTION.fullmatch(name):
            out.append(f"{name}={MASK}")
        elif m := _CREDENTIAL_HEADER.match(arg):
            out.append(f"{m[1].strip()}: {MASK}")
        else:
            out.append(mask_credentials(arg))
    return out
