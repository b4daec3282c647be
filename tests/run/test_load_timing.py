"""Cold load_ms has one rule for every engine: importing and constructing it are load time."""

from __future__ import annotations

from pathlib import Path

from mlxguard.engines import resolve_engine
from mlxguard.run.fresh_process import run_fresh
from mlxguard.run.plan import Scenario
from mlxguard.run.progress import Progress
from mlxguard.run.prompts import PromptFactory
from mlxguard.run.runner import RunSettings, run_trials
from mlxguard.run.timing import Request, cold_generate

SLOW_IMPORT_NS = 300_000_000  # tests/plugins/slow_import.py sleeps this long at import
SLOW_START_NS = 200_000_000  # ... and SlowStart this long in __init__


def test_fresh_process_load_includes_importing_the_engine(tiny_model: Path) -> None:
    rec = run_fresh(
        "tests.plugins.slow_import:SlowImport", str(tiny_model), Request("one two three", 2, seed=0)
    )
    assert rec.ok, rec.error
    assert rec.load_ns is not None and rec.load_ns >= SLOW_IMPORT_NS


def test_in_process_cold_load_includes_constructing_the_engine(tiny_model: Path) -> None:
    factory = resolve_engine("tests.plugins.slow_import:SlowStart")
    rec = cold_generate(factory, str(tiny_model), Request("one two three", 2, seed=0))
    assert rec.ok, rec.error
    assert rec.load_ns is not None and rec.load_ns >= SLOW_START_NS


def test_warm_engine_load_includes_constructing_the_engine(tiny_model: Path) -> None:
    settings = RunSettings(
        model_dir=str(tiny_model), model_label="tiny", samples=1, warmup=0, seed=0
    )
    [bench] = run_trials(
        [Scenario("ttft", "warm", 8, 2)],
        {"slow": resolve_engine("tests.plugins.slow_import:SlowStart")},
        settings,
        Progress(enabled=False),
    )
    assert bench.successes == 1
    assert bench.engine_environment is not None
    assert bench.engine_environment.load_ms >= SLOW_START_NS / 1e6


def test_a_fresh_process_gets_the_prompt_ids_too(tiny_model: Path) -> None:
    prompt = PromptFactory(tiny_model, seed=0).make(16, "fresh")
    assert prompt.ids is not None
    request = Request(prompt.text, 16, prompt_ids=prompt.ids, prompt_tokens=prompt.tokens)
    rec = run_fresh("tests.plugins.prompts:IdsEcho", str(tiny_model), request)
    assert rec.tokens == list(prompt.ids) and (rec.prompt_tokens, rec.prompt_source) == (16, "ids")
