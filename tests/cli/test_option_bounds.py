"""Every numeric option has a sane range and every name a shape the OS can carry: a value out of
range is one `error:` line and exit 2 before any model is built, never a traceback later (a
`--cooldown 1e308` overflowed `time.sleep`; `1e9` would have slept for decades)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import ONE_TRIAL, assert_usage_error, invoke


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--cooldown", "1e308"], "--cooldown 1e+308: Input should be less than or equal to 3600"),
        (["--cooldown", "1e9"], "--cooldown 1000000000.0: Input should be less than or equal"),
        (["--cooldown", "nan"], "--cooldown nan: Input should be a finite number"),
        (["--until-decisive", "--max-seconds", "1e308"], "'--max-seconds'"),
        (["--until-decisive", "--max-seconds", "nan"], "'--max-seconds'"),
        (["--until-decisive", "--max-samples", "1000001"], "'--max-samples'"),
    ],
)
def test_run_flags_out_of_range(tmp_path: Path, args: list[str], fragment: str) -> None:
    proc = invoke("run", *ONE_TRIAL, *args, "-o", str(tmp_path / "r.json"))
    assert_usage_error(proc, fragment)
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("cooldown_s = 1e9\n", "cooldown_s: Input should be less than or equal to 3600"),
        ("temperature = 1e308\n", "temperature: Input should be less than or equal to 10"),
        ("[check]\nmin_samples = 10000000\n", "check.min_samples: Input should be less than"),
        ("[check]\nreference_ttft_max_ratio = 1e300\n", "check.reference_ttft_max_ratio"),
        ("[check]\nreference_throughput_min_ratio = 1e300\n", "reference_throughput_min_ratio"),
        # Environment names: the OS refuses '=' (and an empty name) and NUL anywhere.
        ('[engines.x]\nspec = "mlx-lm"\nenv = { "A=B" = "1" }\n',
         "engines.x.env: env name 'A=B' is not an environment variable name"),
        ('[engines.x]\nspec = "mlx-lm"\nenv = { "" = "1" }\n', "env name '' is not"),
        ('[engines.x]\nspec = "mlx-lm"\nenv = { "A\\u0000B" = "1" }\n',
         "engines.x.env.A\\0B holds a NUL character"),
        ('[engines.x]\nspec = "mlx-lm"\nenv = { A = "1\\u0000" }\n',
         "engines.x.env.A holds a NUL character"),
        ('[engines.x]\nspec = "mlx-lm"\ncwd = "a\\u0000b"\n', "engines.x.cwd holds a NUL"),
        ('model = "tiny\\u0000"\n', "model holds a NUL character"),
    ],
)  # fmt: skip
def test_config_values_out_of_range(tmp_path: Path, toml: str, fragment: str) -> None:
    config = tmp_path / "mlxguard.toml"
    config.write_text(toml)
    out = tmp_path / "r.json"
    proc = invoke("run", *ONE_TRIAL, "--engine", "mlx-lm", "-c", str(config), "-o", str(out))
    assert_usage_error(proc, fragment)
    assert not out.exists()


def test_an_unknown_engine_name_lists_the_defined_ones_and_names_its_source(
    tmp_path: Path,
) -> None:
    config = tmp_path / "mlxguard.toml"
    config.write_text(
        'engine = "hed"\n[engines.head]\nspec = "mlx-lm"\n[engines.base]\nspec = "ipc"\n'
    )
    out = str(tmp_path / "r.json")
    defined = "is neither a defined engine ([engines] defines: base, head) nor an engine spec"
    proc = invoke("run", *ONE_TRIAL, "-c", str(config), "-o", out)
    assert_usage_error(proc, f"{config}: engine = 'hed': engine 'hed' {defined}")
    proc = invoke("run", *ONE_TRIAL, "-c", str(config), "--engine", "heda", "-o", out)
    assert_usage_error(proc, f"--engine heda: engine 'heda' {defined}")
    args = ["--suite", "compare", "--candidate", "hd", "--engine", "head"]
    proc = invoke("run", *ONE_TRIAL, *args, "-c", str(config), "-o", out)
    assert_usage_error(proc, f"--candidate hd: engine 'hd' {defined}")
    config.write_text('[engines.x]\nspec = "hed"\n')
    proc = invoke("run", *ONE_TRIAL, "-c", str(config), "--engine", "x", "-o", out)
    assert_usage_error(proc, "engine 'x': spec 'hed' is not an engine spec (mlx-lm, mlx-engine")


@pytest.mark.parametrize(
    "toml", ["tool = 5\n", "[tool]\nmlxguard = 5\n", "[tool]\nmlxguard = [1]\n"]
)
def test_a_pyproject_whose_tool_mlxguard_is_not_a_table(tmp_path: Path, toml: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    results = tmp_path / "r.json"
    proc = invoke("check", str(results), cwd=tmp_path)
    assert_usage_error(proc, "pyproject.toml': tool.mlxguard must be a table ([tool.mlxguard])")
