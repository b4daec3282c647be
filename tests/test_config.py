"""Config discovery, overrides, and the README's example config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlxguard.config import DEFAULT_TARGETS, Config, load_config
from mlxguard.errors import UsageError

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_are_the_product_targets(tmp_path: Path) -> None:
    cfg = load_config(search_dir=tmp_path)
    assert cfg == Config() and cfg.targets == DEFAULT_TARGETS
    bounds = {(t.metric, t.stat): (t.max, t.min) for t in cfg.targets}
    assert bounds[("ttft_ms", "p95")] == (200.0, None)
    assert bounds[("decode_us", "p95")] == (1000.0, None)
    assert bounds[("decode_tps", "median")] == (None, 20.0)
    assert (cfg.check.reference_ttft_max_ratio, cfg.check.reference_throughput_min_ratio) == (
        1.2,
        0.9,
    )


def test_pyproject_section_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.mlxguard]\nsamples = 9\n"
    )
    assert load_config(search_dir=tmp_path).samples == 9


def test_mlxguard_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.mlxguard]\nsamples = 9\n")
    (tmp_path / "mlxguard.toml").write_text("samples = 4\n")
    assert load_config(search_dir=tmp_path).samples == 4


def test_flags_override_and_are_validated() -> None:
    cfg = Config().with_overrides(samples=7, model=None)
    assert cfg.samples == 7 and cfg.model is None
    with pytest.raises(UsageError, match="samples"):
        Config().with_overrides(samples=0)


def test_readme_example_config_loads(tmp_path: Path) -> None:
    block = re.search(r"```toml\n(suites = .*?)```", README.read_text(), re.S)
    assert block, "README has no example config"
    path = tmp_path / "mlxguard.toml"
    path.write_text(block.group(1))
    cfg = load_config(path)
    assert cfg.targets[0].metric == "ttft_ms" and cfg.check.alpha == 0.01


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        # A typo in a name that selects something never turns a check off quietly.
        (
            '[[targets]]\nmetric = "ttft_msx"\nmax = 1',
            "targets.0.metric: unknown metric 'ttft_msx'",
        ),
        ('[[targets]]\nsuite = "tfft"\nmetric = "ttft_ms"\nmax = 1', "unknown suite 'tfft'"),
        ('[check]\ngated_metrics = { tfft = ["ttft_ms"] }', "unknown suite 'tfft'"),
        ('[check]\ngated_metrics = { ttft = ["ttft_msx"] }', "unknown metric 'ttft_msx'"),
        ('[[check.tolerances]]\nmetric = "ttft_msx"\ntolerance = 0.1', "unknown metric 'ttft_msx'"),
        # A known metric that no suite gates: the tolerance would never apply.
        ('[[check.tolerances]]\nmetric = "itl_ms"\ntolerance = 0.1', "'itl_ms' is not gated"),
        ('suites = ["tfft"]', "suites.0: unknown suite 'tfft'"),
    ],
)
def test_names_that_select_nothing_are_errors(tmp_path: Path, toml: str, fragment: str) -> None:
    path = tmp_path / "mlxguard.toml"
    path.write_text(toml + "\n")
    with pytest.raises(UsageError) as e:
        load_config(path)
    assert fragment in str(e.value) and "known:" in str(e.value), str(e.value)


def test_known_suite_names_are_the_registry() -> None:
    from mlxguard.config import SUITE_NAMES
    from mlxguard.suites import SUITES

    assert tuple(SUITES) == SUITE_NAMES


def test_pooled_per_token_samples_cannot_be_gated(tmp_path: Path) -> None:
    path = tmp_path / "mlxguard.toml"
    path.write_text('[check]\ngated_metrics = { throughput = ["decode_tps", "itl_ms"] }\n')
    with pytest.raises(UsageError, match=r"'itl_ms' cannot be gated: .* not independent"):
        load_config(path)


def _definitions(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "sub" / "mlxguard.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return load_config(path)


def test_engine_definitions_take_relative_paths_from_the_config_file(tmp_path: Path) -> None:
    cfg = _definitions(
        tmp_path,
        '[engines.base]\nspec = "mypkg.engine:make"\ncwd = "../base"\n'
        'python = "../base/.venv/bin/python"\nenv = { FAST = "1" }\n\n'
        '[engines.sys]\nspec = "mlx-lm"\npython = "python3"\n\n'
        '[engines.srv]\nspec = "openai:http://127.0.0.1:{port}/v1"\n'
        'command = ["python", "-m", "mlx_lm", "server", "--port", "{port}"]\n',
    )
    base = cfg.engines["base"]
    assert Path(base.cwd) == tmp_path / "sub" / ".." / "base"
    assert Path(base.python) == tmp_path / "sub" / ".." / "base" / ".venv" / "bin" / "python"
    assert base.env == {"FAST": "1"} and base.isolated and not base.server
    assert cfg.engines["sys"].python == "python3"  # a command found on PATH
    assert cfg.engines["srv"].server and not cfg.engines["srv"].isolated


def test_a_results_file_keeps_engine_env_names_not_their_values(tmp_path: Path) -> None:
    cfg = _definitions(
        tmp_path, '[engines.head]\nspec = "mlx-lm"\nenv = { HF_TOKEN = "hf_s3cret", FAST = "1" }\n'
    )
    recorded = cfg.recorded()
    assert recorded["engines"]["head"]["env"] == {"HF_TOKEN": "***", "FAST": "***"}
    assert "hf_s3cret" not in json.dumps(recorded)
    assert cfg.engines["head"].env["HF_TOKEN"] == "hf_s3cret"  # the worker still gets it


def test_a_results_file_keeps_no_secret_from_a_server_command(tmp_path: Path) -> None:
    cfg = _definitions(
        tmp_path,
        '[engines.srv]\nspec = "openai:http://127.0.0.1:{port}/v1"\n'
        'command = ["serve", "--model", "{model}", "--api-key", "sk-one", "--token=tk-two", '
        '"--port", "{port}"]\n',
    )
    recorded = cfg.recorded()["engines"]["srv"]["command"]
    assert recorded == [
        "serve", "--model", "{model}", "--api-key", "***", "--token=***", "--port", "{port}"
    ]  # fmt: skip
    assert "sk-one" in cfg.engines["srv"].command  # the server still gets it


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[engines.x]\nspec = "mlx-lm"\npyhton = "p"\n', "engines.x.pyhton: unknown key"),
        ("[engines.x]\ncwd = '.'\n", "engines.x.spec: Field required"),
        ('[engines.x]\nspec = "mlx-lm"\nenv = { N = 1 }\n', "engines.x.env.N: Input should be"),
        ('[engines.x]\nspec = "mlx-lm"\nready_timeout_s = 5\n', "ready_timeout_s is for servers"),
        ('[engines.x]\nspec = "openai:http://h:{port}/v1"\n', "{port} and {model} in spec"),
        (
            '[engines.x]\nspec = "openai:http://h:{port}/v1"\ncommand = ["s"]\npython = "p"\n',
            "python is for workers",
        ),
        ('[engines.x]\nspec = "mlx-lm"\ncommand = ["s"]\n', "a server's spec must be openai:URL"),
        ('[engines."a b"]\nspec = "mlx-lm"\n', "engine name 'a b' must be"),
        ('engines = "both"\n', "engines = 'both' is now flexible_engines"),
    ],
)
def test_engine_definition_mistakes_are_named(tmp_path: Path, table: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)):
        _definitions(tmp_path, table)


@pytest.mark.parametrize(
    ("spec", "codec", "label"),
    [
        ("ipc", "msgpack", "ipc"),
        ("ipc", "json", "ipc:json"),
        ("ipc:msgpack", "msgpack", "ipc"),
        ("ipc:json", "msgpack", "ipc:json"),  # the spec's own codec wins
        ("mlx-lm", "json", "mlx-lm"),
    ],
)
def test_ipc_specs_name_their_codec(spec: str, codec: str, label: str) -> None:
    # One name per wire format: benchmark keys, baselines and reports tell JSON from msgpack.
    cfg = Config(engine=spec, candidate=spec, reference=spec, codec=codec)
    assert cfg.engine == cfg.candidate == cfg.reference == label
