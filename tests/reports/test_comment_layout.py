"""The comment and job summary a reviewer reads in ten seconds: a short headline naming every
failing metric, one compact change table with the rows that matter first, statistics folded."""

from __future__ import annotations

import re

import cmarkgfm
from factories import benchmark, results
from report_examples import base_vs_head

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.reports import comment, console, markdown
from mlxguard.reports.changes import changes
from mlxguard.results import MachineState

SLOWER = {"ttft_ms": 1.12, "decode_tps": 0.88, "throughput_tps": 0.87}


def _checked(change: dict[str, float], **kw: str):
    r = base_vs_head(change, **kw)
    return r, evaluate(r, Config())


def _headline(body: str) -> list[str]:
    return body.split("\n\n")[0].splitlines()


def _bodies(r, report) -> list[str]:
    return [comment.render(r, report, gated=["ttft_ms"]), markdown.render(r, report)]


def test_the_headline_is_three_short_lines_naming_every_failing_metric() -> None:
    r, report = _checked(SLOWER, model="m" * 300 + " <b>x</b>")
    state = MachineState(power_source="Battery Power", load_average=[9.0, 9.0, 9.0], cpu_count=2)
    r = r.model_copy(update={"environment": r.environment.model_copy(
        update={"state_start": state})})  # fmt: skip
    report = evaluate(r, Config())
    assert report.status == "fail" and report.machine_warnings
    failing = {v.metric for v in report.verdicts if v.status == "fail"}
    assert failing == set(SLOWER)
    for body in _bodies(r, report):
        head = _headline(body)
        assert len(head) <= 3 and all(len(line) <= 160 for line in head), head
        assert all(word in head[0] for word in ("TTFT", "decode", "throughput")), head[0]
        assert "<b>" not in "\n".join(head)


def test_failing_rows_lead_and_the_rest_is_folded() -> None:
    r, report = _checked(SLOWER)
    body = markdown.render(r, report)
    lead, folded = body.split("<details>", 1)
    assert lead.count("| ❌ fail<br>") == 3 and "✅ pass" not in lead
    assert "| metric | change [CI] · base → head | verdict |" in lead
    assert "<sub>limit ≤\u00a0+5%</sub> |" in lead and "<sub>limit ≥\u00a0−5%</sub> |" in lead
    assert "1 more check, none failed or beyond the tolerance" in folded.split("</details>")[0]


def test_an_improvement_beyond_the_tolerance_is_shown_not_folded() -> None:
    r, report = _checked({"decode_tps": 1.2})
    lead = markdown.render(r, report).split("<details>", 1)[0]
    assert report.status == "pass" and "| ✅ improved<br>" in lead and "decode" in lead
    assert "improved: decode +" in lead.splitlines()[0]


def test_a_change_agrees_with_the_figures_beside_it_or_says_it_is_paired() -> None:
    r, report = _checked(SLOWER)
    for c in changes(r, report):
        v = c.verdict
        if v.ratio is None or v.baseline is None or v.value is None:
            continue
        plain = f"{v.value / v.baseline - 1:+.1%}".replace("-", "−")
        assert c.change.startswith(plain) or (c.paired and c.change.startswith("paired ")), c
    assert any(c.paired for c in changes(r, report))
    assert "paired: the median of the per-round ratios" in markdown.render(r, report)


def test_statistics_are_folded_one_line_per_verdict() -> None:
    r, report = _checked(SLOWER)
    body = markdown.render(r, report)
    section = body.split("<summary>Statistics")[1].split("</details>")[0]
    items = re.findall(r"<li>(.*?)</li>", cmarkgfm.github_flavored_markdown_to_html(section), re.S)
    verdicts = [i for i in items if i.startswith(("❌", "✅", "⚠️", "⏭️"))]
    assert len(verdicts) == len(report.verdicts)
    assert any(
        "paired by round, 24 rounds in 4 process pairs; p=" in i and "Holm-adjusted" in i
        for i in verdicts
    )


def test_inconclusive_names_the_undecided_metrics() -> None:
    r, report = _checked({"decode_tps": 0.955, "throughput_tps": 0.955})
    assert report.status == "inconclusive", [v.evidence for v in report.verdicts]
    head = _headline(markdown.render(r, report))[0]
    assert head.startswith("### ⚠️ mlxguard: INCONCLUSIVE") and "decode" in head


def test_the_console_verdict_table_fits_in_100_columns(monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    r, report = _checked(SLOWER, model="a-long-model-name-" * 4)
    text = console.render(r, report)
    assert max(len(line) for line in text.splitlines()) <= 100, text
    table = text.split("verdict  benchmark")[1].split("statistics:")[0]
    assert table.count("FAIL ") == 3
    monkeypatch.setenv("COLUMNS", "72")
    assert max(len(line) for line in console.render(r, report).splitlines()) <= 72


def test_console_warnings_are_one_line_per_cause(monkeypatch) -> None:
    from factories import benchmark, results

    monkeypatch.delenv("COLUMNS", raising=False)
    wide = [60.0, 80.0, 100.0, 120.0, 140.0, 100.0, 90.0, 110.0]
    r = results(*(benchmark("throughput", f"{n}-stream", decode_tps=wide) for n in (32, 128, 512)))
    lines = console.render(r, evaluate(r, Config())).splitlines()
    warnings = [line for line in lines if line.startswith("warning:")]
    assert len(warnings) == 1 and len(warnings[0]) <= 100
    assert warnings[0].startswith(
        "warning: unstable samples in 3 benchmarks — throughput 32-stream"
    )


def test_a_table_of_targets_alone_heads_its_figures_value() -> None:
    r = results(benchmark(ttft_ms=[300.0, 310.0, 320.0]))
    body = markdown.render(r, evaluate(r, Config()))
    assert "| metric | value | verdict |" in body and "change [CI]" not in body
    assert "| 319.00\u00a0ms | ❌ fail<br><sub>limit &lt;\u00a0200.00\u00a0ms</sub> |" in body
