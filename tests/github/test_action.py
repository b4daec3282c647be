"""The composite action itself: its run: steps in order, on the tiny model, against the local
GitHub API server, twice on the same PR."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import yaml
from action_runner import Evaluator, parse_output_file, run_action
from github_server import GitHubServer
from test_github import EVENTS, HEAD, TOKEN, check_code

from mlxguard.github.comment import marker

ROOT = Path(__file__).resolve().parents[2]


def runner_env(server: GitHubServer, temp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_API_URL=server.url,
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="Codertocat/Hello-World",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(EVENTS / "pull_request.synchronize.json"),
        GITHUB_SHA="1" * 40,
        GITHUB_RUN_ID="7",
        GITHUB_STEP_SUMMARY=str(temp / "summary.md"),
        GITHUB_TOKEN="not-this-one",  # the action must use its github-token input
        RUNNER_TEMP=str(temp),
        RUNNER_OS="Linux",
        RUNNER_ARCH="X64",
        MLXGUARD_ACTION_PYTHON=sys.executable,  # test hook: skip the virtualenv
        PYTHONPATH=str(ROOT),
    )
    return env


def test_action_runs_twice_with_one_comment(tiny_model, tmp_path):
    inputs = {
        "model": str(tiny_model),
        "suites": "ttft",
        "samples": "2",
        "run-args": "--warmup 0 --max-tokens 4",
        "github-token": TOKEN,
        "status-context": "mlxguard/linux",
    }
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
        assert result.skipped_uses == ["actions/cache", "actions/upload-artifact"]
        assert result.step("install").outcome == "skipped"  # cache == false under the hook
        assert result.step("publish").outcome == "success", result.step("publish").stderr
        out = result.outputs
        results_path = Path(out["results-path"])
        assert results_path.is_file() and Path(out["report-path"]).is_file()
        assert (results_path.parent / "pr-number").read_text() == "2\n"
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
    inputs = {
        "model": str(tiny_model),
        "suites": "ttft",
        "samples": "3",
        "run-args": "--warmup 0 --max-tokens 4",
        "github-token": TOKEN,
        "baseline-dir": str(baselines),
        "update-baseline": "true",
    }
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
    assert re.search(
        r"\| ttft\\_ms median \| [\d.,]+ ms \| [\d.,]+ ms \| [-+][\d.]+% \|", comment["body"]
    )
