"""Every Markdown output, rendered by GitHub's own Markdown library (cmark-gfm, with its
autolink, table and tag filter extensions): untrusted names show as the text they are, once
escaped, never as a link, an image, a mention or HTML."""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from factories import benchmark, results

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config, Target
from mlxguard.metrics import format_value
from mlxguard.reports import comment, markdown
from mlxguard.reports.changes import changes
from mlxguard.reports.escape import code, md
from mlxguard.results import ModelInfo

NAMES = [
    "[x](https://evil.example)",
    "see https://evil.example/a?b=c and HTTP://EVIL.EXAMPLE",
    "www.evil.example and WWW.Evil.example",
    "mail me: someone@evil.example",
    'it\'s "quoted" & <b>bold</b> &#x27; &amp;',
    "@octocat #12 | *a* _b_ ~c~ `d` \\e",
    "![img](https://evil.example/x.png) <img src=x onerror=alert(1)>",
]


def gfm(text: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(text)


def visible(rendered: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, invisible joiners removed."""
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    return " ".join(text.replace("\u200b", "").replace("\u200d", "").split())


@pytest.mark.parametrize("name", NAMES)
def test_md_renders_as_the_same_text_and_never_a_link(name):
    rendered = gfm(md(name))
    assert "<a " not in rendered and "<img" not in rendered and "<b>" not in rendered
    assert visible(rendered) == " ".join(name.split())  # escaped once: no `&#x27;` shown


@pytest.mark.parametrize("name", NAMES)
def test_code_spans_are_never_links(name):
    rendered = gfm(code(name))
    assert "<a " not in rendered and "<img" not in rendered


def _hostile_report(name: str, model: str = "tiny"):
    r = results(
        benchmark(scenario=name, engine=name, model=model, ttft_ms=[80.0, 90.0, 300.0]),
        benchmark(suite="throughput", scenario="short-stream", decode_tps=[15.0, 16.0, 17.0]),
    )
    return r, evaluate(r, Config())


@pytest.mark.parametrize("name", NAMES)
def test_comment_and_job_summary_have_no_links_but_the_run(name):
    r, report = _hostile_report(name, model=name)
    run = "https://github.com/o/r/actions/runs/1"
    for body in (
        comment.render(r, report, gated=["ttft_ms"], run_url=run),
        markdown.render(r, report),
    ):
        rendered = gfm(body)
        assert set(re.findall(r'<a href="([^"]*)"', rendered)) <= {run}
        assert "<img" not in rendered and "evil.example</a>" not in rendered


def test_trimmed_pointer_escapes_the_artifact_name():
    pointer = comment.trimmed_pointer(None, "x` [a](https://evil.example) `y")
    assert "<a " not in gfm(pointer)


def test_the_failing_rows_lead_the_change_table_one_row_each():
    r, report = _hostile_report("warm")
    for body in (comment.render(r, report, gated=["ttft_ms"]), markdown.render(r, report)):
        lead = gfm(body.split("<details>")[0])
        rows = re.findall(r"<tr>(.*?)</tr>", lead, re.S)[1:]  # the header row aside
        assert len(rows) == 2, body[:600]
        assert all("❌ fail" in row for row in rows)


def test_comment_names_the_model_escaped():
    r, report = _hostile_report("warm", model="llama-3.2-1b <i>4bit</i> @octocat")
    for body in (comment.render(r, report, gated=["ttft_ms"]), markdown.render(r, report)):
        head = body.split("<details>")[0]
        assert "llama-3.2-1b" in head and "<i>" not in head and "@octocat" not in head
        assert "model" in visible(gfm(head)).lower()


def test_small_bounds_keep_their_significant_digits():
    r = results(benchmark(suite="ipc", scenario="msgpack-small", decode_us=[0.0004, 0.0005]))
    cfg = Config(targets=[Target(suite="ipc", metric="decode_us", stat="p95", max=0.001)])
    report = evaluate(r, cfg)
    [v] = report.verdicts
    assert "0.001 µs" in v.evidence and "0.00 µs" not in v.evidence
    [row] = changes(r, report)
    assert row.limit == "< 0.001 µs"
    assert format_value("ttft_ms", 56.174) == "56.17 ms"  # ordinary values as before
    assert format_value("ttft_ms", 0.0012345) == "0.00123 ms"
    assert format_value("bytes", 512) == "512 B"


def test_comment_gives_the_models_shape_and_quantization():
    r, report = _hostile_report("warm", model="llama-3.2-1b")
    info = ModelInfo(model_type="llama <b>", num_layers=16, hidden_size=2048, bits=4)
    r = r.model_copy(update={"models": {"llama-3.2-1b": info}})
    for body in (comment.render(r, report, gated=["ttft_ms"]), markdown.render(r, report)):
        first = visible(gfm(body.splitlines()[1]))
        assert first.startswith("Model: llama-3.2-1b (llama <b>, 16 layers × 2048, 4-bit)")
        assert "<b>" not in body


# Every way cmark-gfm's autolink extension starts a link: `www.` after a blank or one of `*_~(`,
# a scheme after any non-letter (`1https://`), an address after `@`; in any case of letters.
_TRIGGERS = [
    "www.evil.com", "WwW.evil.com/x", "https://evil.com/x", "HTTP://evil.com", "ftp://evil.com",
    "mailto:a@evil.com", "xmpp:a@evil.com", "a@evil.com", "a.b+c@evil.co.uk",
]  # fmt: skip
_BEFORE = ["", " ", "_", "1", "*", "~", "(", ".", "-", "/", ":", "'", '"', "=", "é", "\u3000"]
AUTOLINK_CORPUS = [f"{b}{t}{a}" for b in _BEFORE for t in _TRIGGERS for a in ("", ".", ")")]
# Where a name lands in a report: a paragraph, a table cell, a list item, emphasis, parentheses.
_PLACES = ["{}", "x {}", "| a | b |\n|---|---|\n| {} | y |", "- **{}**: z", "_{}_", "({})"]


def test_no_name_in_the_autolink_corpus_renders_as_a_link():
    linked = [
        name
        for name in AUTOLINK_CORPUS
        for place in _PLACES
        if "<a " in gfm(place.format(md(name)))
    ]
    assert linked == []
    assert "<a " in gfm("_www.evil.com 1https://evil.com/x")  # the corpus does reach links


@pytest.mark.parametrize("name", ["_www.evil.com", "1https://evil.com/x", "x\x1b[2J\u202eevil"])
def test_comment_and_summary_carry_no_link_and_no_control_character(name):
    r, report = _hostile_report(name, model=name)
    for body in (comment.render(r, report, gated=["ttft_ms"]), markdown.render(r, report)):
        assert "<a " not in gfm(body)
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", body)


def test_the_compare_header_makes_no_link_of_a_path_or_a_name():
    from mlxguard.reports.files import header

    linked = []
    for name in AUTOLINK_CORPUS:
        r = results(benchmark(ttft_ms=[80.0, 90.0]))
        env = r.environment.model_copy(update={"chip": name, "fingerprint": name})
        r = r.model_copy(update={"environment": env, "run": r.run.model_copy(update={"id": name})})
        if "<a " in gfm(header("markdown", (f"{name}/a.json", r), (name, r))):
            linked.append(name)
    assert linked == []
