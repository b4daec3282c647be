"""Escaping untrusted text (model, engine and branch names, engine output) for each format.

Every value first goes through `safetext.clean` (one line, no control or bidi characters, cut at
`MAX_CHARS`), then through its format's escaping.

Markdown: GitHub renders a subset of HTML inside Markdown, turns `@name` into a mention, `#12`
into a link, and an address into a live link (its autolink extension: `www.` after a blank or
one of `*_~(`, and `http://`, `https://`, `ftp://` after any character that is not a letter, so
`_www.` and `1https://` link too); a stray `|` or newline breaks a table. `md()` escapes each
character once: `<`, `>` and `&` as entities, Markdown's punctuation with a backslash (an
apostrophe is left alone: escaped twice it would show as `&#x27;`).
"""

from __future__ import annotations

import html
import re

from mlxguard.safetext import MAX_CHARS, clean

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~!])")
# Where an autolink could start, whatever comes before: a scheme before `:`, or `www.`. A
# zero-width space after it is invisible and keeps cmark-gfm from seeing a link.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp)(?=:)|(www)(?=\.)")


def md(value: object, limit: int | None = MAX_CHARS) -> str:
    """Text safe in a Markdown paragraph or table cell: no HTML, mentions, links or breaks."""
    text = html.escape(clean(value, limit), quote=False)  # quotes mean nothing outside attributes
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: f"{m.group(0)}\u200b", text)
    # A zero-width joiner after @ keeps GitHub from notifying anyone.
    return text.replace("@", "@\u200d")


def code(value: object, limit: int | None = MAX_CHARS) -> str:
    """Text inside an inline code span; backticks and pipes cannot escape it."""
    return f"`{clean(value, limit).replace('`', 'ˋ').replace('|', '¦')}`"


def plain(value: object, limit: int | None = MAX_CHARS) -> str:
    """Text safe on a terminal line: one line, no control characters (no ANSI escapes)."""
    return clean(value, limit)
