"""Named engine definitions: a name or a spec, workers started as defined, what results record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import invoke, mlxguard, verdict_code

from mlxguard.config import EngineDefinition
from mlxguard.engines.definitions import choose
from mlxguard.engines.ipc_engine import IpcEngine
from mlxguard.errors import UsageError

WORDS = Path(__file__).resolve().parents[1] / "plugins" / "words.py"


def test_a_name_wins_over_a_spec():
    defs = {"mlx-lm": EngineDefinition(spec="ipc:json")}
    named = choose("mlx-lm", defs)
    assert (named.label, named.spec) == ("mlx-lm", "ipc:json")
    assert named.factory().codec.name == "json"
    plain = choose("ipc", defs, codec="msgpack")  # not a name: a spec
    assert (plain.label, plain.spec, plain.factory().codec.name) == ("ipc", "ipc", "msgpack")


def test_a_definition_with_cwd_python_or_env_is_a_worker_started_that_way():
    d = EngineDefinition(spec="mypkg.engine:make", cwd="/w", python="/v/bin/python", env={"A": "1"})
    choice = choose("head", {"head": d}, codec="json")
    engine = choice.factory()
    assert isinstance(engine, IpcEngine) and choice.own_process
    assert (engine.hosted, engine.python, engine.cwd, engine.env) == (
        "mypkg.engine:make", "/v/bin/python", "/w", {"A": "1"},
    )  # fmt: skip
    assert engine.codec.name == "json" and choice.spec == "mypkg.engine:make"
    ipc = choose("x", {"x": EngineDefinition(spec="ipc:msgpack", env={"A": "1"})}, codec="json")
    assert (ipc.factory().hosted, ipc.factory().codec.name) == ("mlx-lm", "msgpack")


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        (EngineDefinition(spec="nonsense", env={"A": "1"}), "engine 'x': spec 'nonsense' is not"),
        (EngineDefinition(spec="ipc:xml", env={"A": "1"}), "engine 'x': codec 'xml'"),
        (
            EngineDefinition(spec="openai:ftp://h:{port}/v1", command=["s"]),
            "ftp://h:1/v1",
        ),
    ],
)
def test_malformed_definitions_are_refused_before_anything_runs(definition, problem):
    with pytest.raises(UsageError, match=problem):
        choose("x", {"x": definition})


def test_a_server_that_is_not_running_cannot_be_used():
    d = EngineDefinition(spec="openai:http://127.0.0.1:{port}/v1", command=["server"])
    factory = choose("srv", {"srv": d}).factory
    with pytest.raises(UsageError, match="engine 'srv' is a server that is not running"):
        factory()


def _write_config(tmp_path: Path, tables: str) -> Path:
    path = tmp_path / "mlxguard.toml"
    path.write_text(tables)
    return path


def _words_config(tmp_path: Path, words: dict[str, str]) -> Path:
    """A config of `words_plugin:Words` definitions (name -> the word each streams), the plugin
    in `plugins/`, importable only from there."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    shutil.copy(WORDS, plugins / "words_plugin.py")
    tables = [
        f'[engines.{name}]\nspec = "words_plugin:Words"\ncwd = "plugins"\n'
        f'env = {{ WORDS_TOKEN = "{word}" }}\n'
        for name, word in words.items()
    ]
    return _write_config(tmp_path, "\n".join(tables))


def test_unknown_keys_stop_the_cli_naming_the_key(tmp_path):
    config = _write_config(tmp_path, '[engines.head]\nspec = "mlx-lm"\npyhton = "x"\n')
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "head", "-o", "r.json", cwd=tmp_path
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"error: {config}: engines.head.pyhton: unknown key\n"


@pytest.mark.slow
def test_a_plugin_from_a_definitions_directory_and_environment(tmp_path, tiny_model):
    config = _words_config(tmp_path, {"words": "zz"})
    out = tmp_path / "results.json"
    proc = mlxguard(
        "run", "--config", str(config), "--engine", "words", "--suite", "ttft",
        "--model", str(tiny_model), "--samples", "2", "--warmup", "0", "--max-tokens", "3",
        "--prompt-tokens", "8", "-o", str(out), "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == verdict_code(out, "--config", str(config), cwd=tmp_path), proc.stderr
    benchmarks = json.loads(out.read_text())["benchmarks"]
    assert [(b["engine"], b["engine_spec"]) for b in benchmarks] == [
        ("words", "words_plugin:Words"),
        ("words", "words_plugin:Words"),
    ]
    assert all(b["successes"] == b["trials"] == 2 for b in benchmarks), benchmarks
    warm = next(b for b in benchmarks if b["scenario"] == "warm")
    assert warm["engine_environment"]["settings"]["engine"]["name"] == "words"


@pytest.mark.slow
def test_compare_two_definitions_one_in_another_virtualenv(tmp_path, tiny_model, second_venv):
    config = _write_config(
        tmp_path,
        f'[engines.head]\nspec = "mlx-lm"\npython = "{second_venv}"\n\n'
        '[engines.base]\nspec = "mlx-lm"\nenv = { MLXGUARD_ARM = "base" }\n',
    )
    out = tmp_path / "results.json"
    proc = mlxguard(
        "run", "--config", str(config), "--suite", "compare", "--candidate", "head",
        "--reference", "base", "--model", str(tiny_model), "--samples", "2", "--warmup", "0",
        "--max-tokens", "4", "--prompt-tokens", "16", "-o", str(out), "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == verdict_code(out, "--config", str(config), cwd=tmp_path), proc.stderr
    by_label = {b["engine"]: b for b in json.loads(out.read_text())["benchmarks"]}
    assert set(by_label) == {"candidate:head", "reference:base"}
    head, base = by_label["candidate:head"], by_label["reference:base"]
    assert head["engine_spec"] == base["engine_spec"] == "mlx-lm"
    assert head["successes"] == base["successes"] == 2
    assert head["engine_environment"]["worker"]["executable"] == str(second_venv)
    assert base["engine_environment"]["worker"]["executable"] != str(second_venv)
    for b in (head, base):
        assert b["engine_environment"]["versions"]["mlx-lm"], b["engine_environment"]
    assert head["parity"]["identical"] == 2  # the same mlx-lm, greedy


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('spec = "nopkg_xyz:make"\nenv = { A = "1" }', "' cannot import 'nopkg_xyz'"),
        ('spec = "mlx-lm"\npython = "./nowhere/python"', "/nowhere/python' is not an executable"),
        ('spec = "mlx-lm"\ncwd = "nowhere"', "/nowhere' is not a directory"),
    ],
)
def test_a_worker_that_cannot_run_stops_the_run_before_any_model(tmp_path, table, problem):
    config = _write_config(tmp_path, f"[engines.w]\n{table}\n")
    proc = invoke(
        "run", "--config", str(config), "--engine", "w", "--model", "nowhere", cwd=tmp_path
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: engine 'w': "), proc.stderr
    assert problem in proc.stderr and len(proc.stderr.splitlines()) == 1


@pytest.mark.slow
def test_fresh_process_trials_of_worker_definitions_are_new_workers(tmp_path, tiny_model):
    """A new engine of a worker definition is a new worker process of its interpreter, so a
    fresh-process trial needs no other child (which could not import a plugin from `cwd`)."""
    config = _words_config(tmp_path, {"a": "a", "b": "b"})
    out = tmp_path / "results.json"
    proc = mlxguard(
        "run", "--config", str(config), "--suite", "compare", "--fresh-process",
        "--candidate", "a", "--reference", "b", "--model", str(tiny_model), "--samples", "2",
        "--warmup", "0", "--max-tokens", "3", "--prompt-tokens", "8", "-o", str(out), "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == verdict_code(out, "--config", str(config), cwd=tmp_path), proc.stderr
    benchmarks = json.loads(out.read_text())["benchmarks"]
    assert {(b["engine"], b["scenario"]) for b in benchmarks} == {
        ("candidate:a", "cold"), ("reference:b", "cold"),
    }  # fmt: skip
    for b in benchmarks:
        assert b["successes"] == b["trials"] == 2, b["errors"]
        assert len(b["metrics"]["load_ms"]["samples"]) == 2
    cand = next(b for b in benchmarks if b["engine"] == "candidate:a")
    assert cand["parity"]["identical"] == 0  # "a a a" against "b b b": the env reached each worker
