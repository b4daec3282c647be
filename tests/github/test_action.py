"""The composite action itself: its run: steps in order, on the tiny model, against the local
GitHub API server, twice on the same PR."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from action_runner import Evaluator, parse_output_file, run_action
from github_env import HEAD, ROOT, TOKEN, check_code, runner_env
from github_server import GitHubServer

from mlxguard.github.comment import marker

pytestmark = pytest.mark.slow  # the composite action, step by step: not in the inner loop


def tiny_run(model: Path | str, samples: int = 2, **inputs: str) -> dict[str, str]:
    """Inputs for a short run of the ttft suite (the figures don't matter), plus `inputs`."""
    base = {
        "model": str(model),
        "suites": "ttft",
        "samples": str(samples),
        "run-args": "--warmup 0 --max-tokens 4",
        "github-token": TOKEN,
    }
    return {**base, **{k.replace("_", "-"): v for k, v in inputs.items()}}


def test_action_runs_twice_with_one_comment(tiny_model, tmp_path):
    inputs = tiny_run(tiny_model, status_context="mlxguard/linux")
    work = tmp_path / "workspace"
    work.mkdir()
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        runs = []
        for i in range(2):
            temp = tmp_path / f"runner-temp-{i}"
            temp.mkdir()
            runs.append(run_action(ROOT, inputs, runner_env(server, temp), work))
    assert server.violations == []
    for result in runs:
        assert result.skipped_uses == ["actions/upload-artifact"]  # no venv cache: hook
        assert result.step("install").outcome == "skipped"  # cache == false under the hook
        assert result.step("publish").outcome == "success", result.step("publish").stderr
        out = result.outputs
        results_path = Path(out["results-path"])
        assert results_path.is_file() and Path(out["report-path"]).is_file()
        assert (results_path.parent / "pr-number").read_text() == "2\n"
        # The engine log is written only when an engine printed: the in-process one prints none.
        assert not results_path.with_suffix(".log").exists()
        page = Path(out["dashboard-path"]) / "index.html"
        assert page.parent.parent == results_path.parent and "tiny" in page.read_text()
        code = check_code(results_path)
        assert out["verdict"] == ("fail" if code else "pass")
        verdict = result.steps[-1]
        assert verdict.name == "Verdict" and verdict.code == code
        assert TOKEN not in "".join(s.stdout + s.stderr for s in result.steps)
    [comment] = server.comments[2]
    assert comment["body"].startswith(marker("mlxguard/linux"))
    assert len(server.calls("issues/create-comment")) == 1
    assert len(server.calls("issues/update-comment")) == 1
    assert [s["context"] for s in server.statuses[HEAD]] == ["mlxguard/linux"] * 2


def test_action_inputs_reach_scripts_only_through_env():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", "")
    documented = action["inputs"]
    for name, spec in documented.items():
        assert "default" in spec and "(default" in spec["description"], name


def test_expression_evaluator():
    ev = Evaluator({"inputs": {"a": "true", "b": ""}, "steps": {}}, [])
    assert ev.evaluate("inputs.a == 'true' && inputs.b == ''") is True
    assert ev.evaluate("always() && steps.x.outputs.dir != ''") is False
    assert parse_output_file("a=1\nb<<EOF\nx\ny\nEOF\n") == {"a": "1", "b": "x\ny"}


def test_first_run_records_the_baseline_that_the_second_run_is_checked_against(
    tiny_model, tmp_path
):
    baselines = tmp_path / "workspace" / "baselines"  # does not exist before the first run
    inputs = tiny_run(
        tiny_model,
        samples=3,
        baseline_dir=str(baselines),
        update_baseline="true",
        # Whatever the tiny model's verdict on a busy machine: this test is about the flow.
        update_baseline_on="pass,inconclusive,skipped,fail",
    )
    (tmp_path / "workspace").mkdir()
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        runs = []
        for i in range(2):
            temp = tmp_path / f"runner-temp-{i}"
            temp.mkdir()
            runs.append(run_action(ROOT, inputs, runner_env(server, temp), tmp_path / "workspace"))
    assert server.violations == []
    first, second = runs
    assert "baseline-dir does not exist yet" in first.step("check").stdout
    assert first.step("baseline").outcome == "success" and list(baselines.glob("*.json"))
    assert "does not exist" not in second.step("check").stdout
    [comment] = server.comments[2]
    # The second run's comment compares with the baseline the first run recorded.
    assert re.search(r"\| \*\*TTFT\*\*<br>.*? \| [−+][\d.]+%.*?<br>[\d.,]+\s→\s[\d.,]+\sms \|",
                     comment["body"])  # fmt: skip


# --- the action on a self-hosted runner ---------------------------------------------------------

FAKE_PYTHON = r"""#!/usr/bin/env bash
# A stand-in interpreter for the setup and install steps: makes venvs, "installs" by a marker.
echo "$0 $*" >> "$FAKE_LOG"
here="$(cd "$(dirname "$0")/.." && pwd)"
case "$1" in
  # FAKE_PY_INFO: "new-enough version real-path", answered as the probe asks.
  -c) if [ -z "${FAKE_PY_INFO:-}" ]; then exec python3 "$@"; fi
      case "$2" in
        *realpath*) echo "$FAKE_PY_INFO" ;;
        *) echo "$FAKE_PY_INFO" | cut -d' ' -f2 ;;
      esac ;;
  -m) case "$2" in
        venv) dir="${!#}"; mkdir -p "$dir/bin"; cp "$0" "$dir/bin/python" ;;
        pip) touch "$here/installed" ;;
        mlxguard) [ -e "$here/installed" ] && echo "mlxguard 0.0 (stand-in)" ;;
      esac ;;
esac
"""


def venv_env(temp: Path, info: str | None = None) -> tuple[dict[str, str], Path]:
    """A runner environment without the test hook, and a stand-in `python` input."""
    fake = temp / "bin" / "python3.12"
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    env = runner_env_without_server(temp)
    env["FAKE_LOG"] = str(temp / "fake.log")
    if info is not None:
        env["FAKE_PY_INFO"] = info
    return env, fake


def runner_env_without_server(temp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_REPOSITORY="o/r",
        GITHUB_EVENT_NAME="push",
        RUNNER_TEMP=str(temp),
        RUNNER_OS="macOS",
        RUNNER_ARCH="ARM64",
    )
    env.pop("MLXGUARD_ACTION_PYTHON", None)
    return env


def test_an_old_python_is_refused_before_anything_else(tmp_path):
    env, fake = venv_env(tmp_path, "False 3.9.6 /usr/bin/python3.9")
    result = run_action(ROOT, {"python": str(fake)}, env, tmp_path, until="run")
    setup = result.step("setup")
    assert setup.outcome == "failure" and setup.code == 2
    assert "needs Python 3.11 or later" in setup.stdout and "3.9.6" in setup.stdout
    assert result.step("install").outcome == "skipped"


def test_cache_key_follows_the_interpreters_real_path_and_version(tmp_path):
    keys = []
    for i, info in enumerate(
        [
            "True 3.12.7 /opt/homebrew/Cellar/python@3.12/3.12.7/bin/python3.12",
            "True 3.12.7 /opt/homebrew/Cellar/python@3.12/3.12.7/bin/python3.12",
            "True 3.12.7 /Library/Frameworks/Python.framework/Versions/3.12/bin/python3.12",
            "True 3.12.8 /opt/homebrew/Cellar/python@3.12/3.12.8/bin/python3.12",
        ]
    ):
        temp = tmp_path / str(i)
        env, fake = venv_env(temp, info)
        result = run_action(ROOT, {"python": str(fake)}, env, temp, until="install")
        keys.append(result.step("setup").outputs["key"])
    assert keys[0] == keys[1] and len(set(keys)) == 3


def test_a_restored_venv_that_does_not_run_is_rebuilt_and_saved(tmp_path):
    env, fake = venv_env(tmp_path)
    venv = tmp_path / "mlxguard-venv"
    (venv / "bin").mkdir(parents=True)
    # As restored from a cache made by an interpreter that has since moved.
    (venv / "bin" / "python").symlink_to("/nonexistent/python3.12")
    result = run_action(ROOT, {"python": str(fake)}, env, tmp_path, until="run")
    install = result.step("install")
    assert install.outcome == "success", install.stderr
    assert "does not run; rebuilding" in install.stdout
    assert install.outputs["built"] == "true"
    assert (venv / "installed").exists() and not (venv / "bin" / "python").is_symlink()
    # Restored and saved explicitly; the save comes before the benchmarks, so it also happens
    # when they fail.
    assert result.skipped_uses == ["actions/cache/restore", "actions/cache/save"]


def test_the_venv_is_saved_before_the_benchmarks_run():
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    names = [s.get("uses", s.get("id", "")).split("@")[0] for s in steps]
    assert names.index("actions/cache/save") < names.index("run")
    assert "actions/cache" not in names  # no implicit save at the end of a successful job


def test_synthetic_models_are_built_per_job(tmp_path):
    """The embedded tiny model is built under RUNNER_TEMP, never in a cache shared by jobs."""
    home = tmp_path / "home"
    home.mkdir()
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    inputs = tiny_run("", comment="false", status="false")  # "": the embedded tiny model
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        env = {**runner_env(server, temp), "HOME": str(home)}
        env.pop("MLXGUARD_CACHE", None)
        result = run_action(ROOT, inputs, env, tmp_path, until="check")
    assert result.step("run").outcome == "success", result.step("run").stderr
    assert any((temp / "mlxguard-models").rglob("config.json"))
    assert not (home / ".cache" / "mlxguard").exists()


def _step_script(step_id: str) -> str:
    steps = yaml.safe_load((ROOT / "action.yml").read_text())["runs"]["steps"]
    return next(s["run"] for s in steps if s.get("id") == step_id)


@pytest.mark.parametrize(
    ("verdict", "complete", "record_on", "recorded", "said"),
    [
        ("pass", "true", "pass", True, ""),
        ("fail", "true", "pass", False, "verdict fail: the baseline is not updated"),
        ("inconclusive", "true", "pass", False, "verdict inconclusive"),
        ("inconclusive", "true", "pass, inconclusive", True, ""),
        ("pass", "false", "pass", False, "the run is incomplete"),
        ("pass", "true", "pass,*", None, "update-baseline-on takes"),
    ],
)
def test_baseline_step_records_only_what_the_verdict_allows(
    tmp_path, verdict, complete, record_on, recorded, said
):
    script = tmp_path / "baseline.sh"
    script.write_text(_step_script("baseline"))
    stub = tmp_path / "py"  # stands for the venv's python: records the update it is asked for
    stub.write_text(f'#!/usr/bin/env bash\necho "$*" > {tmp_path}/updated\n')
    stub.chmod(0o755)
    env = {
        "PATH": os.environ["PATH"],
        "PY": str(stub),
        "RESULTS": "results.json",
        "BASELINE_DIR": "baselines",
        "RECORD_ON": record_on,
        "VERDICT": verdict,
        "COMPLETE": complete,
        "GITHUB_OUTPUT": str(tmp_path / "out"),
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert said in proc.stdout
    if recorded is None:
        assert proc.returncode == 2
    else:
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / "updated").exists() == recorded
        assert (
            parse_output_file((tmp_path / "out").read_text())["recorded"] == str(recorded).lower()
        )


def test_a_failing_run_does_not_become_the_baseline(tiny_model, tmp_path):
    """A target that fails: the verdict is fail, and the baseline directory is not written."""
    work = tmp_path / "workspace"
    work.mkdir()
    (work / "mlxguard.toml").write_text(
        '[[targets]]\nsuite = "ttft"\nmetric = "ttft_ms"\nstat = "p95"\nmax = 0.001\n'
    )
    baselines = work / "baselines"
    inputs = tiny_run(
        tiny_model,
        baseline_dir=str(baselines),
        update_baseline="true",
        config=str(work / "mlxguard.toml"),
        comment="false",
        status="false",
    )
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        result = run_action(ROOT, inputs, runner_env(server, temp), work)
    assert result.outputs["verdict"] == "fail"
    assert result.step("baseline").outcome == "success"
    assert "not updated" in result.step("baseline").stdout
    assert result.outputs["baseline-updated"] == "false"
    assert not baselines.exists()
    assert result.steps[-1].code == 1  # the job still fails


def test_baseline_workflow_commits_only_after_a_successful_action():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "baseline.yml").read_text())
    job = workflow["jobs"]["baseline"]
    commit = next(s for s in job["steps"] if s.get("name") == "Commit the baseline")
    assert "always()" not in str(commit.get("if", ""))


def test_the_load_input_runs_the_load_suite_and_draws_its_curve(tiny_model, tmp_path):
    work = tmp_path / "workspace"
    work.mkdir()
    config = work / "mlxguard.toml"
    config.write_text(
        "[load]\nconcurrency = [1, 2]\nrequests = 2\nrounds = 1\noutput_tokens = 4\n"
        "warmup_waves = 0\nprompt_tokens = 16\n"
    )
    inputs = tiny_run(tiny_model, load="true", config=str(config))
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    with GitHubServer(TOKEN, pulls={2: HEAD}) as server:
        result = run_action(ROOT, inputs, runner_env(server, temp), work)
    assert result.step("load").outcome == "success", result.step("load").stderr
    results_path = Path(result.outputs["results-path"])
    assert (results_path.parent / "load-curve.svg").read_text().startswith("<svg")
    suites = {b["suite"] for b in yaml.safe_load(results_path.read_text())["benchmarks"]}
    assert suites == {"ttft", "load"}
    [comment] = server.comments[2]
    assert "| concurrency-2 | mlx-lm |" in comment["body"]
