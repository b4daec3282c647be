"""The compare suite, fresh-process trials, output parity and the reference verdicts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlxguard.check.evaluate import evaluate
from mlxguard.check.reference import reference_verdicts
from mlxguard.cli.app import app
from mlxguard.config import CheckSettings, Config
from mlxguard.results import (
    Benchmark,
    Divergence,
    Environment,
    Metric,
    Parity,
    Results,
    RunInfo,
    Tool,
)
from mlxguard.run.fresh_process import run_fresh
from mlxguard.run.plan import Scenario, make_plan
from mlxguard.run.timing import Request
from mlxguard.suites import SUITES, parse_suites
from mlxguard.suites.parity import first_divergence, parity

# --- the plan -------------------------------------------------------------------------------


def test_interleaved_plan_randomizes_engines_within_each_sample() -> None:
    s = Scenario("compare", "warm", 8, 4)
    plan = make_plan([s], ["a", "b"], samples=40, warmup=2, seed=7, order="interleaved")
    warm, timed = plan[:4], plan[4:]
    assert [t.engine for t in warm] == ["a", "b", "a", "b"] and all(t.warmup for t in warm)
    blocks = [timed[i : i + 2] for i in range(0, len(timed), 2)]
    assert all({t.engine for t in blk} == {"a", "b"} for blk in blocks)
    assert all(blk[0].sample == blk[1].sample == i for i, blk in enumerate(blocks))
    firsts = Counter(blk[0].engine for blk in blocks)
    assert firsts["a"] > 0 and firsts["b"] > 0  # neither engine always goes first
    assert plan == make_plan([s], ["a", "b"], 40, 2, 7, "interleaved")  # the seed replays it
    assert plan != make_plan([s], ["a", "b"], 40, 2, 8, "interleaved")


def test_sequential_plan_runs_one_engine_after_the_other() -> None:
    s = Scenario("flexible", "questions", 0, 4)
    timed = make_plan([s], ["a", "b"], samples=3, warmup=0, seed=0, order="sequential")
    assert [(t.engine, t.sample) for t in timed] == [(e, i) for e in "ab" for i in range(3)]


# --- parity ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ([1, 2, 3], [1, 2, 3], None),
        ([1, 2, 3], [1, 9, 3], 1),
        ([1, 2], [1, 2, 3], 2),
        ([], [], None),
    ],
)
def test_first_divergence(a: list[int], b: list[int], want: int | None) -> None:
    assert first_divergence(a, b) == want


def test_parity_counts_ids_and_compares_text_by_characters() -> None:
    got = parity([(0, [1, 2], [1, 2]), (1, [1, 2, 3], [1, 5, 3])])
    assert got == Parity(
        identical=1,
        total=2,
        unit="token",
        greedy=True,
        first_divergence=[Divergence(sample=1, position=1)],
    )
    assert got.share == 0.5
    # One engine yields ids, the other text chunks split elsewhere: compared as decoded text.
    words = {1: "ab", 2: "cd"}
    text = parity([(0, [1, 2], ["a", "bcd"])], decode=lambda ids: "".join(words[i] for i in ids))
    assert (text.identical, text.unit) == (1, "char")
    differ = parity([(3, [1, 2], ["ab", "cx"])], decode=lambda ids: "".join(words[i] for i in ids))
    assert differ.first_divergence == [Divergence(sample=3, position=3)]
    assert parity([]).share is None


# --- reference verdicts on known samples ----------------------------------------------------


def _bench(engine: str, ttft: list[float], tps: list[float], **sections: Any) -> Benchmark:
    return Benchmark(
        suite="compare",
        engine=engine,
        model="tiny",
        scenario="warm",
        metrics={"ttft_ms": Metric.of("ttft_ms", ttft), "decode_tps": Metric.of("decode_tps", tps)},
        trials=len(ttft),
        successes=len(ttft),
        **sections,
    )


def _results(*benchmarks: Benchmark) -> Results:
    env = Environment(
        platform="linux",
        machine="x86_64",
        chip="test",
        os="test",
        python="3",
        backend="cpu",
        fingerprint="f",
    )
    return Results(
        tool=Tool(version="0"),
        run=RunInfo(id="r", started_at="now", seed=0),
        environment=env,
        benchmarks=list(benchmarks),
    )


REF = _bench("reference:mlx-lm", [100, 101, 99, 100, 102, 98], [50, 51, 49, 50, 52, 48])


def _verdicts(cand: Benchmark, settings: CheckSettings | None = None) -> dict[str, Any]:
    got = reference_verdicts(_results(cand, REF), settings or CheckSettings())
    return {v.metric: v for v in got}


def test_reference_verdicts_pass_fail_and_inconclusive_from_the_ci() -> None:
    link = {"reference": {"engine": "reference:mlx-lm"}}
    good = _verdicts(_bench("candidate:x", [108, 109, 107, 108, 110, 106], [49] * 6, **link))
    assert good["ttft_ms"].status == "pass"
    assert good["ttft_ms"].evidence.startswith("TTFT 1.08× the reference (95% CI 1.0")
    assert "samples, 6+6, p=1) ≤ 1.2×; detects changes ≥" in good["ttft_ms"].evidence
    assert good["decode_tps"].status == "pass"

    bad = _verdicts(_bench("candidate:x", [150, 151, 149, 150, 152, 148], [20] * 6, **link))
    assert bad["ttft_ms"].status == "fail" and bad["ttft_ms"].ci_low > 1.2
    assert bad["decode_tps"].status == "fail" and bad["decode_tps"].ci_high < 0.9
    assert "limit ≥ 0.9×" in bad["decode_tps"].evidence

    noisy = _verdicts(_bench("candidate:x", [90, 150, 95, 140, 100, 160], [50] * 6, **link))
    assert noisy["ttft_ms"].status == "inconclusive"
    assert "vs the 1.2× limit" in noisy["ttft_ms"].evidence

    few = _verdicts(_bench("candidate:x", [100, 100], [50, 50], **link))
    assert few["ttft_ms"].status == "inconclusive"
    assert few["ttft_ms"].evidence == (
        "6 reference and 2 candidate samples; need at least 3 each (add --samples)"
    )


def test_parity_verdict_reports_unless_gated() -> None:
    same = {"identical": 11, "total": 12, "unit": "token", "greedy": True}
    same["first_divergence"] = [{"sample": 4, "position": 7}]
    cand = _bench("candidate:x", [100] * 6, [50] * 6, reference={"engine": REF.engine}, parity=same)
    reported = _verdicts(cand)["parity"]
    assert reported.status == "skipped"
    assert reported.evidence.startswith("11/12 prompts identical; first divergence at token 7")
    gated = _verdicts(cand, CheckSettings(min_parity=1.0))["parity"]
    assert gated.status == "fail"
    assert _verdicts(cand, CheckSettings(min_parity=0.9))["parity"].status == "pass"


def test_prompts_of_different_lengths_fail_parity_loudly() -> None:
    same = {"identical": 6, "total": 6, "unit": "token", "greedy": False}
    same["prompt_mismatches"] = [
        {"sample": i, "candidate_tokens": 128, "reference_tokens": 127} for i in range(6)
    ]
    cand = _bench("candidate:x", [100] * 6, [50] * 6, reference={"engine": REF.engine}, parity=same)
    v = _verdicts(cand)["parity"]  # not gated by min_parity, and at any temperature
    assert v.status == "fail"
    assert v.evidence == (
        "the engines received prompts of different lengths: 127 reference and 128 candidate "
        "tokens (sample 0; 6 of 6 prompts); outputs, TTFT and prefill are not comparable"
    )


def test_parity_lists_prompts_received_with_other_lengths() -> None:
    got = parity(
        [(0, [1, 2], [1, 2]), (1, [3], [3]), (2, [4], [4])],
        prompt_tokens={0: (16, 16), 1: (16, 15), 2: (16, None)},
    )
    assert got.identical == 3  # the same output does not make the prompts the same
    assert [m.model_dump() for m in got.prompt_mismatches] == [
        {"sample": 1, "candidate_tokens": 16, "reference_tokens": 15}
    ]


def test_an_engine_short_of_the_bos_token_fails_parity(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path, tiny_model, "--candidate", "mlx-lm", "--reference",
        "tests.plugins.prompts:NoBos", "--samples", "2", "--warmup", "0",
    )  # fmt: skip
    b = _by_role(data)
    assert b["candidate"]["metrics"]["prompt_tokens"]["samples"] == [16.0, 16.0]
    assert b["reference"]["metrics"]["prompt_tokens"]["samples"] == [15.0, 15.0]
    assert len(b["candidate"]["parity"]["prompt_mismatches"]) == 2
    assert code == 1
    assert "the engines received prompts of different lengths: 15 reference and 16" in output


def test_missing_reference_benchmark_is_skipped_not_a_crash() -> None:
    cand = _bench("candidate:x", [100] * 3, [50] * 3, reference={"engine": "gone"})
    (v,) = reference_verdicts(_results(cand), CheckSettings())
    assert v.status == "skipped"


# --- real runs ------------------------------------------------------------------------------


def _run(tmp_path: Path, model: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "results.json"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--suite",
            "compare",
            "--model",
            str(model),
            "--prompt-tokens",
            "16",
            "--max-tokens",
            "6",
            "--output",
            str(out),
            "--quiet",
            *args,
        ],
    )
    data = json.loads(out.read_text()) if out.exists() else {}
    # The console wraps long lines at its width: phrases are looked for in the text, not lines.
    return result.exit_code, data, " ".join(result.output.split())


def _by_role(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["engine"].partition(":")[0]: b for b in data["benchmarks"]}


@pytest.mark.slow
def test_a_a_compare_has_full_parity_and_a_ratio_near_one(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path, tiny_model, "--candidate", "mlx-lm", "--reference", "mlx-lm", "--samples", "3"
    )
    assert code == 0, output
    b = _by_role(data)
    assert (b["candidate"]["engine"], b["reference"]["engine"]) == (
        "candidate:mlx-lm",
        "reference:mlx-lm",
    )
    assert all(x["successes"] == x["trials"] == 3 for x in b.values())
    cand = b["candidate"]
    assert cand["parity"]["identical"] == cand["parity"]["total"] == 3
    assert cand["parity"]["first_divergence"] == cand["parity"]["prompt_mismatches"] == []
    assert cand["reference"] == {"engine": "reference:mlx-lm", "chosen": None, "against": "engine"}
    assert cand["engine_spec"] == b["reference"]["engine_spec"] == "mlx-lm"
    report = evaluate(Results.model_validate(data), Config())
    ttft = next(v for v in report.verdicts if v.kind == "reference" and v.metric == "ttft_ms")
    # The same engine twice: the interval must reach the neighbourhood of 1 (no timing bound).
    assert ttft.ci_low <= ttft.ratio <= ttft.ci_high
    assert ttft.ci_low < 1.25 and ttft.ci_high > 0.8
    # One figure: the change table shows the ratio and interval the verdict was decided on.
    change = f"{(ttft.ratio - 1) * 100:+.1f}%".replace("-", "−")
    assert change in output and "reference → candidate" in output
    assert b["candidate"]["params"]["order"] == "interleaved"
    assert "compare warm · candidate:mlx-lm" in output
    assert "3/3 prompts identical" in output


@pytest.mark.slow
def test_a_slow_candidate_fails_the_throughput_check(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path,
        tiny_model,
        "--candidate",
        "compare_engines:SlowEngine",
        "--reference",
        "mlx-lm",
        "--samples",
        "10",
    )
    assert code == 1, output
    report = evaluate(Results.model_validate(data), Config())
    decode = next(v for v in report.verdicts if v.kind == "reference" and v.metric == "decode_tps")
    assert decode.ratio < 0.9 and decode.ci_high < 0.9
    assert decode.status == "fail" and "limit ≥ 0.9×" in decode.evidence


@pytest.mark.slow
def test_until_decisive_extends_both_engines_and_parity(tmp_path: Path, tiny_model: Path) -> None:
    # 3 samples a side cannot settle an interim look (it spends a fifth of alpha), so the slow
    # candidate is inconclusive first; one more round of 3 (the budget) follows.
    code, data, output = _run(
        tmp_path,
        tiny_model,
        "--candidate",
        "compare_engines:SlowEngine",
        "--reference",
        "mlx-lm",
        "--samples",
        "3",
        "--until-decisive",
        "--max-samples",
        "6",
    )
    report = evaluate(Results.model_validate(data), Config())
    assert code == report.exit_code(), output
    decode = next(v for v in report.verdicts if v.kind == "reference" and v.metric == "decode_tps")
    assert decode.status != "pass", decode.evidence
    b = _by_role(data)
    assert b["candidate"]["trials"] == b["reference"]["trials"] == 6
    assert b["candidate"]["adaptive_rounds"] == b["reference"]["adaptive_rounds"] == 1
    assert "ratios" not in b["candidate"]["reference"]
    parity = b["candidate"]["parity"]
    assert parity["total"] == 6 and parity["identical"] == 6


def test_parity_finds_the_altered_token(tmp_path: Path, tiny_model: Path) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text("[check]\nmin_parity = 1.0\n")
    code, data, output = _run(
        tmp_path,
        tiny_model,
        "--candidate",
        "compare_engines:OneTokenOff",
        "--reference",
        "mlx-lm",
        "--samples",
        "2",
        "--warmup",
        "0",
        "--config",
        str(cfg),
    )
    got = _by_role(data)["candidate"]["parity"]
    assert (got["identical"], got["total"]) == (0, 2)
    assert got["first_divergence"] == [{"sample": 0, "position": 2}, {"sample": 1, "position": 2}]
    assert code == 1 and "0/2 prompts identical; first divergence at token 2" in output


@pytest.mark.slow
def test_fresh_process_trials_are_cold_with_a_timed_load(tmp_path: Path, tiny_model: Path) -> None:
    code, data, output = _run(
        tmp_path,
        tiny_model,
        "--candidate",
        "compare_engines:SlowEngine",  # a plugin: the child must import it too
        "--reference",
        "mlx-lm",
        "--samples",
        "1",
        "--warmup",
        "0",
        "--fresh-process",
    )
    assert code == evaluate(Results.model_validate(data), Config()).exit_code(), output
    for b in data["benchmarks"]:
        assert b["scenario"] == "cold" and b["params"]["fresh_process"] is True
        assert b["successes"] == 1, b["errors"]
        assert b["metrics"]["load_ms"]["samples"][0] > 0
    assert _by_role(data)["candidate"]["parity"]["identical"] == 1


def test_fresh_process_failure_is_a_record_not_a_crash(tiny_model: Path) -> None:
    rec = run_fresh("no_such_module:Engine", str(tiny_model), Request("hi", 2, seed=0))
    assert not rec.ok and rec.error.startswith("load failed: UsageError")


# --- command line ---------------------------------------------------------------------------


def test_bad_engine_specs_are_refused_before_running(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    for bad, good in (("--candidate", "--reference"), ("--reference", "--candidate")):
        args = ["run", "--suite", "compare", bad, "nope:x", good, "mlx-lm", "-o", str(out)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2
        assert result.output.startswith("error: engine plugin 'nope:x': cannot import 'nope'")
        assert not out.exists()


def test_all_runs_every_registered_suite() -> None:
    assert parse_suites("all") == list(SUITES)
    assert {"compare", "flexible"} <= set(SUITES)


def test_pair_sections_escape_engine_names() -> None:
    from mlxguard.reports import render

    parity = {"identical": 1, "total": 1, "unit": "token", "greedy": True}
    link = {"reference": {"engine": "ref|<b>@x"}, "parity": parity}
    cand = _bench("cand|@y", [100] * 3, [50] * 3, **link)
    results = _results(cand)
    report = evaluate(results, Config())
    text = render("markdown", results, report)
    assert "compare warm · cand\\|@\u200dy" in text and "@y" not in text


def test_text_parity_ignores_where_the_detokenizer_puts_spaces() -> None:
    from mlxguard.suites.parity import parity

    words = {7: "dofu", 8: "bala"}

    def decode(ids: list[int]) -> str:
        return "".join(" " + words[i] for i in ids)

    same = parity([(0, ["dofu", " bala"], [7, 8])], decode)
    assert same.identical == 1 and same.unit == "char"
    differ = parity([(0, ["dofu", " dofu"], [7, 8])], decode)
    assert differ.first_divergence == [Divergence(sample=0, position=5)]


def test_two_servers_of_one_command_are_two_builds_whatever_their_ports() -> None:
    from mlxguard.engines.definitions import EngineChoice
    from mlxguard.suites.compare import against

    def server(python: str, module: str) -> dict[str, Any]:
        command = [python, "-m", module, "--model", "{model}", "--port", "{port}"]
        return {"spec": "openai:http://127.0.0.1:{port}/v1", "command": command}

    def judged(head: dict[str, Any], base: dict[str, Any]) -> str:
        cfg = Config(candidate="head", reference="base", engines={"head": head, "base": base})
        # As the run leaves them: each server's spec filled in with its own port.
        running = {
            "candidate:head": EngineChoice("head", "openai:http://127.0.0.1:5001/v1", dict),
            "reference:base": EngineChoice("base", "openai:http://127.0.0.1:5002/v1", dict),
        }
        return against(cfg, running)

    assert (
        judged(server("/w/head/python", "mlx_lm.server"), server("/t/base/python", "mlx_lm.server"))
        == "base"
    )
    assert judged(server("python", "mlx_lm.server"), server("python", "other.server")) == "engine"
