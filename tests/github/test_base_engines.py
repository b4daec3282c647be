"""The config the action writes for the base comparison: the user's, plus head and base."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mlxguard.errors import UsageError
from mlxguard.github.base_engines import compose, main

CHECKOUTS = {"head": Path("/w/head"), "base": Path('/t/ba"se\x7f')}


def test_definitions_are_appended_to_the_users_config(tmp_path: Path) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text("samples = 7\n[check]\ntolerance = 0.1\n")
    data = tomllib.loads(compose(cfg, CHECKOUTS, "my.engine:make", ".venv/bin/python"))
    assert data["samples"] == 7 and data["check"] == {"tolerance": 0.1}
    assert data["engines"]["head"] == {
        "spec": "my.engine:make", "cwd": "/w/head", "python": "/w/head/.venv/bin/python",
    }  # fmt: skip
    assert data["engines"]["base"]["cwd"] == '/t/ba"se\x7f'  # any path survives quoting


def test_a_pyproject_gets_tool_tables_and_no_python_means_mlxguards(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[project]\nname = "x"\n[tool.mlxguard]\nsamples = 3\n')
    data = tomllib.loads(compose(cfg, CHECKOUTS, "ipc", ""))
    section = data["tool"]["mlxguard"]
    assert section["samples"] == 3 and section["engines"]["base"]["spec"] == "ipc"
    assert "python" not in section["engines"]["head"]


def test_a_config_that_defines_head_is_refused(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text('[engines.head]\nspec = "ipc"\n')
    with pytest.raises(UsageError, match="already defines engine 'head'"):
        compose(cfg, CHECKOUTS, "ipc", "")
    args = ["--head", "h", "--base", "b", "--engine", "ipc", "--config", str(cfg)]
    assert main([*args, "--output-dir", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: config ")
    assert not (tmp_path / "out").exists()


def test_an_output_directory_that_cannot_be_written_is_one_error_line(
    tmp_path: Path, capsys
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = ["--head", "h", "--base", "b", "--engine", "ipc", "--config", ""]
    assert main([*args, "--output-dir", str(blocker / "out")]) == 2
    assert capsys.readouterr().err.startswith("error: cannot write ")


def test_with_a_server_module_head_and_base_are_servers_in_their_checkouts(tmp_path):
    from mlxguard.config import Config

    data = tomllib.loads(compose(None, CHECKOUTS, "ipc", ".venv/bin/python", "mlx_lm.server"))
    head = data["engines"]["head"]
    assert head == {
        "spec": "openai:http://127.0.0.1:{port}/v1",
        "command": ["/w/head/.venv/bin/python", "-m", "mlx_lm.server", "--model", "{model}",
                    "--port", "{port}"],
        "cwd": "/w/head",
    }  # fmt: skip
    config = Config.model_validate(data)  # valid server definitions
    assert config.engines["base"].server and config.engines["base"].cwd == '/t/ba"se\x7f'


def test_with_a_server_module_the_load_suite_pairs_head_and_base(tmp_path):
    from mlxguard.config import Config

    server = (CHECKOUTS, "ipc", "", "mlx_lm.server")
    assert tomllib.loads(compose(None, *server))["load"] == {"pair": True}
    cfg = tmp_path / "mlxguard.toml"
    cfg.write_text("[load]  # the points\nconcurrency = [1, 4]\n[load.slo]\nttft_ms = 500\n")
    load = Config.model_validate(tomllib.loads(compose(cfg, *server))).load
    assert load.pair and load.concurrency == [1, 4] and load.slo.ttft_ms == 500
    cfg.write_text("[load.slo]\nttft_ms = 500\n")  # the table only through a subtable
    assert tomllib.loads(compose(cfg, *server))["load"] == {"slo": {"ttft_ms": 500}, "pair": True}
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[tool.mlxguard.load]\nrounds = 8\n')
    section = tomllib.loads(compose(pyproject, *server))["tool"]["mlxguard"]
    assert section["load"] == {"rounds": 8, "pair": True}
    # Without a server, the compare suite's config: the load settings are left alone.
    assert (
        "pair"
        not in tomllib.loads(compose(pyproject, CHECKOUTS, "ipc", ""))["tool"]["mlxguard"]["load"]
    )
    for refused in ("[load]\npair = false\n", "load = { rounds = 8 }\n"):
        cfg.write_text(refused)
        with pytest.raises(UsageError, match="set pair = true in its \\[load\\] table"):
            compose(cfg, *server)


def test_an_error_naming_a_hostile_path_is_one_line_that_starts_no_workflow_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x\n::error::forged\x1b.toml"
    args = ["--head", str(tmp_path), "--base", str(tmp_path), "--engine", "ipc"]
    assert main([*args, "--config", str(bad), "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "\x1b" not in err
    assert err.startswith("error: ") and "\n::" not in err
