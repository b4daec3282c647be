"""Escaping untrusted text (model, engine and branch names, engine output) for Markdown.

GitHub renders a subset of HTML inside Markdown, turns `@name` into a mention, `#12` into a
link, and a bare `https://...` or `www.` address into a live link (its autolink extension); a
stray `|` or newline breaks a table. Every untrusted string goes through `md()`, which escapes
each character once: `<`, `>` and `&` as entities, Markdown's punctuation with a backslash (an
apostrophe is left alone: escaped twice it would show as `&#x27;`).
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~!])")
# What GitHub's autolink extension starts a link at: a scheme before `:`, or `www.`.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp)(?=:)|\b(www)(?=\.)")


def md(value: object) -> str:
    """Text safe in a Markdown paragraph or table cell: no HTML, mentions, links or breaks."""
    text = " ".join(str(value).split())  # newlines and tabs would end a table row
    text = html.escape(text, quote=False)  # quotes mean nothing outside an attribute
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # A zero-width space after the scheme or `www` is invisible and defeats autolinks.
    text = _AUTOLINK.sub(lambda m: f"{m.group(0)}\u200b", text)
    # A zero-width joiner after @ keeps GitHub from notifying anyone.
    return text.replace("@", "@\u200d")


def code(value: object) -> str:
    """Text inside an inline code span; backticks and pipes cannot escape it."""
    text = " ".join(str(value).split()).replace("`", "ˋ").replace("|", "¦")
    return f"`{text}`"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain(value: object) -> str:
    """Text safe on a terminal line: one line, no control characters (no ANSI escapes)."""
    return _CONTROL.sub("�", " ".join(str(value).split()))
