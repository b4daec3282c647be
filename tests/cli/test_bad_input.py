"""Bad input: one line on stderr naming the problem, exit code 2, never a traceback.

One test runs a real process (`python -m mlxguard`), the contract as a user meets it; the
others run the same entry point in this process (`invoke`), which is what they are about.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import ONE_TRIAL, assert_usage_error, invoke, mlxguard


@pytest.fixture
def valid(small_run: Path) -> dict:
    return json.loads(small_run.read_text())


def test_a_real_process_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    assert_usage_error(mlxguard("check", str(tmp_path / "nope.json")), "does not exist")


def test_directory(tmp_path: Path) -> None:
    assert_usage_error(invoke("check", str(tmp_path)), "is a directory")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "found a JSON list, not an object"),
        (
            '{"schema": "mlxguard.results/0"}',
            "has schema 'mlxguard.results/0'; this mlxguard "
            "reads 'mlxguard.results/1', 'mlxguard.results/2'; re-run `mlxguard run`",
        ),
        ('{"schema": "mlxguard.results/3"}', "newer than this mlxguard reads"),
        ('{"schema": "mlxguard.results/1"}', "not a valid results file"),
        ('{"schema": "mlxguard.results/2"}', "not a valid results file"),
    ],
)
def test_bad_documents(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(text)
    assert_usage_error(invoke("check", str(path)), fragment)


def test_non_finite_numbers(tmp_path: Path, valid: dict) -> None:
    text = json.dumps(valid).replace('"samples": [', '"samples": [NaN, ', 1)
    path = tmp_path / "r.json"
    path.write_text(text)
    assert_usage_error(invoke("check", str(path)), "non-finite number NaN")


def test_wrong_shape(tmp_path: Path, valid: dict) -> None:
    valid["benchmarks"][0]["metrics"]["ttft_ms"]["samples"] = "fast"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(valid))
    assert_usage_error(invoke("check", str(path)), "benchmarks.0.metrics.ttft_ms.samples")


def test_config_unknown_key(tmp_path: Path, small_run: Path) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text("samples = 3\nsampels = 4\n")
    assert_usage_error(invoke("check", str(small_run), "-c", str(cfg)), "sampels: unknown key")


def test_config_bad_target(tmp_path: Path, small_run: Path) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text('[[targets]]\nmetric = "ttft_ms"\nmax = 1\nmin = 2\n')
    assert_usage_error(invoke("check", str(small_run), "-c", str(cfg)), "exactly one of max")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--suite", "ttft,bogus"], "unknown suite 'bogus'"),
        (["--model", "llama-9000"], "llama-9000"),
        (["--engine", "nosuchmodule:Engine"], "cannot import 'nosuchmodule'"),
        (["--engine", "bogus"], "--engine bogus: engine 'bogus' is neither a defined engine"),
        (["--engine", "plugins.flaky:Missing"], "has no attribute 'Missing'"),
        (["--format", "xml"], "unknown format 'xml'"),
        (["--samples", "0"], "samples"),
        # Values that only the engine would refuse, trial after trial: refused up front.
        ([*ONE_TRIAL, "--seed", "-1"], "--seed -1"),
        ([*ONE_TRIAL, "--seed", str(2**64)], f"--seed {2**64}"),
        ([*ONE_TRIAL, "--prompt-tokens", "5000"], "context of 4096 tokens"),
        ([*ONE_TRIAL, "--suite", "compare", "--max-tokens", "5000"], "context of 4096 tokens"),
        # Errors name the flag that was given, not the config key behind it.
        (["--cooldown", "-1"], "--cooldown -1"),
        (["--fresh-process", "--questions", "0"], "--questions 0"),
    ],
)
def test_bad_run_flags(tmp_path: Path, args: list[str], fragment: str) -> None:
    proc = invoke(
        "run",
        *args,
        "-o",
        str(tmp_path / "r.json"),
    )
    assert_usage_error(proc, fragment)
    assert not (tmp_path / "r.json").exists()


def test_plugin_without_protocol(tmp_path: Path, tiny_model: Path) -> None:
    proc = invoke(
        "run",
        "--model",
        str(tiny_model),
        "--suite",
        "ttft",
        "--engine",
        "plugins.flaky:NoLoad",
        "-o",
        str(tmp_path / "r.json"),
    )
    assert_usage_error(proc, "does not follow the protocol: no load()")


def test_output_is_a_directory(tmp_path: Path) -> None:
    assert_usage_error(invoke("run", "-o", str(tmp_path)), "is a directory")


def test_export_refuses_a_bad_better_for_every_format(small_run: Path) -> None:
    # --better only shapes github-action-benchmark's file, but a typo is a typo everywhere.
    for to in ("bencher", "github-action-benchmark"):
        proc = invoke("export", str(small_run), "--to", to, "--better", "sideways")
        assert_usage_error(proc, "--better 'sideways'")


@pytest.mark.parametrize("to", ["bencher", "load-curve"])
def test_export_refuses_better_where_it_would_be_ignored(small_run: Path, to: str) -> None:
    # A bencher file holds both directions: --better lower was accepted, and changed nothing.
    proc = invoke("export", str(small_run), "--to", to, "--better", "lower")
    assert_usage_error(proc, "--better applies to --to github-action-benchmark only")
    assert f"--to {to} holds every metric" in proc.stderr
