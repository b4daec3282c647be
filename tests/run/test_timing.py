"""The metric formulas of DESIGN.md, on hand-made timestamps; the plan's order; exact prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlxguard.engines import resolve_engine
from mlxguard.run.plan import Scenario, make_plan
from mlxguard.run.prompts import Prompt, PromptFactory
from mlxguard.run.timing import Generation, Request, close_quietly, generate, metrics_of

MS = 1_000_000


def test_streaming_formulas() -> None:
    # Sent at 0, tokens at 100, 110, 130, 160 ms; 64 prompt tokens.
    rec = Generation(
        t_sent_ns=0,
        stamps_ns=[100 * MS, 110 * MS, 130 * MS, 160 * MS],
        tokens=[1, 2, 3, 4],
        prompt_tokens=64,
    )
    m = metrics_of(rec)
    assert m["ttft_ms"] == [100.0]
    assert m["e2e_ms"] == [160.0]
    assert m["prefill_tps"] == [pytest.approx(640.0)]
    assert m["decode_tps"] == [pytest.approx(3 / 0.060)]
    assert m["throughput_tps"] == [pytest.approx(4 / 0.160)]
    assert m["itl_ms"] == [10.0, 20.0, 30.0]
    assert m["output_tokens"] == [4.0]
    assert "load_ms" not in m


def test_single_token_has_no_decode_rate() -> None:
    m = metrics_of(Generation(t_sent_ns=0, stamps_ns=[5 * MS], tokens=[7]))
    assert "decode_tps" not in m and m["itl_ms"] == [] and m["ttft_ms"] == [5.0]


def test_non_streaming_has_no_token_timings() -> None:
    rec = Generation(
        t_sent_ns=0, stamps_ns=[200 * MS], tokens=[1] * 10, streaming=False, load_ns=50 * MS
    )
    m = metrics_of(rec)
    assert set(m) == {"e2e_ms", "throughput_tps", "output_tokens", "load_ms"}
    assert m["throughput_tps"] == [pytest.approx(50.0)] and m["load_ms"] == [50.0]


def test_failed_generation_has_no_metrics() -> None:
    assert metrics_of(Generation(error="RuntimeError: boom")) == {}


def test_plan_warmups_first_then_seeded_shuffle() -> None:
    scenarios = [Scenario("ttft", "warm", 16, 4), Scenario("ttft", "cold", 16, 4, cold=True)]
    plan = make_plan(scenarios, ["a", "b"], samples=3, warmup=1, seed=7)
    assert [t.warmup for t in plan[:4]] == [True] * 4 and not any(t.warmup for t in plan[4:])
    assert len(plan) == 4 + 12
    again = make_plan(scenarios, ["a", "b"], samples=3, warmup=1, seed=7)
    other = make_plan(scenarios, ["a", "b"], samples=3, warmup=1, seed=8)
    assert plan == again and plan != other
    # Engines see identical prompts for the same sample.
    a = next(t for t in plan if t.engine == "a" and not t.warmup)
    b = next(
        t
        for t in plan
        if t.engine == "b" and t.scenario == a.scenario and t.sample == a.sample and not t.warmup
    )
    assert a.prompt_key == b.prompt_key


@pytest.mark.parametrize("n", [2, 16, 128, 300])
def test_prompts_have_the_exact_token_count(tiny_model: Path, n: int) -> None:
    from mlx_lm.tokenizer_utils import load

    tok = load(tiny_model)
    prompts = PromptFactory(tiny_model, seed=0)
    p1, p2 = prompts.make(n, "a"), prompts.make(n, "b")
    assert p1.tokens == n and len(tok.encode(p1.text)) == n
    assert p1.text != p2.text and prompts.make(n, "a") == p1


def test_prompts_without_a_tokenizer_are_words(tmp_path: Path) -> None:
    p = PromptFactory(tmp_path, seed=0).make(12, 0)
    assert p.tokens is None and len(p.text.split()) == 12


# --- the prompt each engine receives --------------------------------------------------------


def _request(prompt: Prompt, max_tokens: int) -> Request:
    return Request(
        prompt.text, max_tokens, seed=0, prompt_ids=prompt.ids, prompt_tokens=prompt.tokens
    )


def _prompt(model: Path) -> Prompt:
    prompt = PromptFactory(model, seed=0).make(16, "received")
    assert prompt.ids is not None and len(prompt.ids) == prompt.tokens == 16
    return prompt


def test_engines_that_take_ids_get_the_prompt_builders_ids(tiny_model: Path) -> None:
    prompt = _prompt(tiny_model)
    engine = resolve_engine("tests.plugins.prompts:IdsEcho")()
    rec = generate(engine, _request(prompt, 16))
    assert rec.tokens == list(prompt.ids)  # BOS included, nothing re-tokenized
    assert (rec.prompt_tokens, rec.prompt_source) == (16, "ids")


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["mlx-lm", "ipc"])
def test_mlx_engines_report_the_prompt_length_they_processed(spec: str, tiny_model: Path) -> None:
    prompt = _prompt(tiny_model)
    engine = resolve_engine(spec)()
    engine.load(str(tiny_model))
    try:
        by_ids = generate(engine, _request(prompt, 4))
        by_text = generate(engine, Request(prompt.text, 4, seed=0))
    finally:
        close_quietly(engine)
    assert (by_ids.prompt_tokens, by_ids.prompt_source) == (16, "engine")
    assert by_ids.tokens == by_text.tokens  # the ids are exactly what mlx-lm makes of the text


def test_a_text_engine_is_verified_with_its_own_tokenizer(tiny_model: Path) -> None:
    prompt = _prompt(tiny_model)
    engine = resolve_engine("tests.plugins.prompts:NoBos")()
    engine.load(str(tiny_model))
    rec = generate(engine, _request(prompt, 2))
    assert (rec.prompt_tokens, rec.prompt_source) == (15, "tokenize")  # one short: no BOS
    assert metrics_of(rec)["prompt_tokens"] == [15.0]
