"""Untrusted text (names from a results file, engine output, event payloads) made safe to print.

Two layers, each applied once, where text leaves mlxguard:

- `clean()` makes one value one printable line: whitespace runs (newlines included) become one
  space; control characters (ESC, BEL, NUL, C1), format characters (bidi overrides such as
  U+202E, zero-width characters) and lone surrogates become U+FFFD; a URL's password is
  masked (`https://user:***@host`); a value over `limit` characters is cut, ending in `…`.
  Every format escapes its values through it first (`reports/escape.py`: `plain`, `md`,
  `code`; the CSV cells).
- `to_json()` writes JSON whose strings keep every character, the unsafe ones as `\\u`
  escapes: the same data, nothing raw on a terminal (the JSON report, the exports).
- `for_log()` makes a whole printed text safe in a GitHub Actions log, where the runner reads
  workflow commands from every line: a line starting with `::` (after blanks) and a `##[`
  anywhere (the legacy form, matched mid-line) get a zero-width space that breaks the command
  and shows nothing. It is also the last guard of the terminal: a raw control character
  (but the newline and the tab) or bidi control left in the text becomes U+FFFD, so no value a
  format forgot to clean can move the cursor, ring the bell or reverse a line. Every line a
  command prints goes through it (`cli/common.py`: `say`); mlxguard's own annotations are
  written around it, by `github/workflow.py`.
"""

from __future__ import annotations

import json
import re

from mlxguard.redact import mask_credentials

# The longest value shown: a 70,000-character model name must not fill the PR comment's 65,536
# characters (nor a terminal). Long enough for any evidence sentence.
MAX_CHARS = 1_000
ELLIPSIS = "…"
REPLACEMENT = "\ufffd"
ZWSP = "\u200b"
# Unicode categories Cc (controls), Cf (format: bidi embeddings, overrides and isolates, zero
# width characters, the BOM, tag characters) and Cs (surrogates, which cannot be encoded).
# tests/test_safetext.py checks this class against unicodedata.
_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f\xad"
    "\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "]"
)
# Workflow commands: `::name ...::` at the start of a line after blanks (the runner trims them),
# and the legacy `##[name ...]`, which the runner finds anywhere in a line.
_COMMAND_LINE = re.compile(r"^(\s*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND = re.compile(r"##(?=\[)")
# What a terminal acts on or reorders: C0 controls but the newline and the tab, DEL, C1, the
# bidi marks, embeddings, overrides and isolates, and lone surrogates (no stream encodes them).
# Zero-width spaces and joiners stay: the Markdown escaping puts them there on purpose.
_TERMINAL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def clean(value: object, limit: int | None = MAX_CHARS) -> str:
    """`value` as one line of printable text, at most `limit` characters (None: no cut)."""
    text = _UNSAFE.sub(REPLACEMENT, mask_credentials(" ".join(str(value).split())))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return text


def for_log(text: str) -> str:
    """`text` with no line a GitHub Actions runner would read as a workflow command, and no
    character a terminal acts on but line breaks and tabs (nor a lone surrogate, which no
    stream can encode)."""
    text = _TERMINAL.sub(REPLACEMENT, text)
    text = _COMMAND_LINE.sub(lambda m: f"{m.group(1)}:{ZWSP}", text)
    return _LEGACY_COMMAND.sub(f"##{ZWSP}", text)


def log_line(value: object) -> str:
    """`value` as one whole line to print (clean, not cut), which no runner reads as a command."""
    return for_log(clean(value, None))


def to_json(value: object, indent: int | None = 1) -> str:
    """`value` as JSON text (non-ASCII letters kept), each character `clean` would replace
    written as a `\\u` escape, so the data is intact and nothing raw reaches a terminal."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    # Raw control characters in JSON text are its own line breaks: strings escape theirs. A
    # `##[` can only be inside a string, where `\\u005b` keeps `for_log` from touching the data.
    text = _UNSAFE.sub(lambda m: m[0] if m[0] == "\n" else json.dumps(m[0])[1:-1], text)
    return text.replace("##[", "##\\u005b")
