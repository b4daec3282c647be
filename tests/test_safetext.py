"""The sanitising layer: one clean line per value, and no workflow command in a printed text."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from mlxguard.safetext import _UNSAFE, ELLIPSIS, MAX_CHARS, REPLACEMENT, clean, for_log


def test_clean_covers_every_control_format_and_surrogate_character() -> None:
    missing = [
        hex(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs") and not _UNSAFE.match(chr(c))
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mred\x07", f"a{REPLACEMENT}[31mred{REPLACEMENT}"),
        ("nul\x00here", f"nul{REPLACEMENT}here"),
        ("abc\u202edcba", f"abc{REPLACEMENT}dcba"),  # right-to-left override
        ("\u2066iso\u2069 \u200fmark", f"{REPLACEMENT}iso{REPLACEMENT} {REPLACEMENT}mark"),
        ("lone \ud800 surrogate", f"lone {REPLACEMENT} surrogate"),
        ("two\nlines\r\n::error::x\u2028y", "two lines ::error::x y"),
        ("  padded\t", "padded"),
        ("c1\x85\x9b", "c1 " + REPLACEMENT),  # NEL is a line break; CSI is a control
    ],
)
def test_clean_makes_one_printable_line(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_cuts_long_values_with_an_ellipsis() -> None:
    cut = clean("m" * 70_000)
    assert len(cut) == MAX_CHARS and cut.endswith(ELLIPSIS)
    assert clean("m" * 70_000, None) == "m" * 70_000
    assert clean("short") == "short"


@pytest.mark.parametrize(
    "line",
    [
        "::error title=PWNED::owned",
        "  ::add-mask::secret",
        "\t::set-output name=x::y",
        "\u3000::warning::ideographic space",
        "prefix ##[add-mask]secret",
        "##[stop-commands]token",
    ],
)
def test_for_log_breaks_every_workflow_command(line: str) -> None:
    for text in (line, f"first line\n{line}\nlast"):
        for out in for_log(text).splitlines():
            assert not out.lstrip().startswith("::") and "##[" not in out
    assert for_log(line).replace("\u200b", "") == line  # nothing visible changes


def test_for_log_keeps_ordinary_text() -> None:
    text = "PASS: 3 pass — ttft warm · mlx-lm: p95 80 ms < 200 ms\nnote: a::b ## [x]\n"
    assert for_log(text) == text


def test_for_log_is_the_terminals_last_guard() -> None:
    text = "a\x1b[2J\x07\x00\r\x7f\x9b\u202e\u2066\u200e b\tc\nd \u200b\u200d"
    assert for_log(text) == f"a{REPLACEMENT}[2J{REPLACEMENT * 8} b\tc\nd \u200b\u200d"
