"""A pull request number is an integer from 1 to 2^31 - 1, wherever it comes from: a payload's
`true` would name PR #1, `-3` or `"2"` no pull request at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import assert_usage_error, invoke
from github_env import EVENTS, HEAD, RUN_HEAD, TOKEN, actions_env, check_code, publish
from github_server import GitHubServer

from mlxguard.github.context import MAX_PR, pr_number, resolve

NOT_NUMBERS = [True, False, -3, 0, "2", 2.0, None, [2], MAX_PR + 1]


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_what_is_not_a_pull_request_number(value: object) -> None:
    assert pr_number(value) is None
    assert pr_number(2) == 2 and pr_number(MAX_PR) == MAX_PR


def _payload(tmp_path: Path, name: str, edit) -> Path:
    data = json.loads((EVENTS / name).read_text())
    edit(data)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("value", [True, -3, "2"])
def test_a_payload_number_that_is_not_one_gives_no_comment_and_says_why(
    tmp_path: Path, value: object
) -> None:
    path = _payload(tmp_path, "pull_request.opened.json", lambda d: d.update(number=value))
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)}
    ctx = resolve({**env, "GITHUB_REPOSITORY": "o/r"})
    assert ctx.pr is None and ctx.sha == HEAD
    assert ctx.no_comment == (
        f"the event payload's number {str(value)!r} is not a pull request number (1 to {MAX_PR})"
    )
    assert resolve({**env, "GITHUB_REPOSITORY": "o/r"}, pr=2).pr == 2  # --pr still counts


@pytest.mark.parametrize("value", [True, -3, "2"])
def test_a_workflow_run_lists_only_pull_request_numbers(tmp_path: Path, value: object) -> None:
    def edit(d: dict) -> None:
        d["workflow_run"]["event"] = "pull_request"
        d["workflow_run"]["pull_requests"][0]["number"] = value
        d["workflow_run"]["pull_requests"][0]["head"]["sha"] = RUN_HEAD

    path = _payload(tmp_path, "workflow_run.completed.with-pull-requests.json", edit)
    env = {"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": str(path)}
    ctx = resolve({**env, "GITHUB_REPOSITORY": "o/r"})
    assert (ctx.pr, ctx.sha) == (None, RUN_HEAD)


@pytest.mark.slow
def test_publish_with_a_payload_number_true_comments_nowhere(results_file: Path, tmp_path: Path):
    with GitHubServer(TOKEN, pulls={1: HEAD, 2: HEAD}) as server:
        env = actions_env(server, tmp_path)
        path = _payload(tmp_path, "pull_request.opened.json", lambda d: d.update(number=True))
        env["GITHUB_EVENT_PATH"] = str(path)
        proc = publish(results_file, env)
        assert proc.returncode == check_code(results_file), proc.stderr
        assert "the event payload's number 'True' is not a pull request number" in proc.stdout
        assert server.comments == {}
        assert list(server.statuses) == [HEAD]  # the status still goes on the PR's head
    assert server.violations == []


@pytest.mark.parametrize("value", ["0", "-3", str(MAX_PR + 1)])
def test_pr_flag_out_of_range(results_file: Path, value: str) -> None:
    proc = invoke("publish", str(results_file), "--pr", value, "--no-comment", "--no-status")
    assert_usage_error(proc, f"--pr {value} must be a pull request number, 1 to {MAX_PR}")
