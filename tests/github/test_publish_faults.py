"""`publish` when GitHub's answers, the event payload or the runner's files are not what they
should be: it publishes what it can, names what it could not, and keeps the verdict's exit
code (never a traceback, never exit 1 for a reporting fault)."""

from __future__ import annotations

import contextlib
import json
from io import StringIO
from pathlib import Path

import pytest
from cli_runner import invoke
from factories import benchmark, results
from github_env import EVENTS, HEAD, TOKEN, actions_env
from github_server import GitHubServer

from mlxguard.check.evaluate import evaluate
from mlxguard.config import Config
from mlxguard.github.publish import Options, Publisher
from mlxguard.results import write_results

FAILING = results(benchmark(ttft_ms=[300.0, 310.0, 320.0]))  # the warm TTFT target fails


@pytest.fixture
def server():
    with GitHubServer(TOKEN, pulls={2: HEAD}) as s:
        yield s
    assert s.violations == []


def publish(env: dict, **options) -> tuple[int, str, str]:
    """(exit code, what went to stdout, what went to stderr) of an in-process publication."""
    out, err = StringIO(), StringIO()
    with contextlib.redirect_stderr(err):
        code = Publisher(env, Options(deadline_s=20, **options), out).publish(
            FAILING, evaluate(FAILING, Config())
        )
    return code, out.getvalue(), err.getvalue()


def event(tmp_path: Path, name: str, edit) -> str:
    data = json.loads((EVENTS / name).read_text())
    edit(data)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(data))
    return str(path)


def test_a_pull_request_without_head_gets_a_summary_and_says_why_no_comment(server, tmp_path):
    server.answers[("GET", "pulls/get")] = (200, {"number": 2}, {})
    env = actions_env(server, tmp_path, "push")
    env.pop("GITHUB_SHA")
    code, out, _ = publish(env, pr=2)
    assert code == 1
    assert "no comment, skipped: GitHub's answer for PR #2 names no head commit" in out
    assert "no status, no commit to set it on" in out
    assert "mlxguard: FAIL" in (tmp_path / "summary.md").read_text()
    assert "exit-code" in (tmp_path / "output").read_text()


@pytest.mark.parametrize("answer", [{"comments": []}, [1, "x", None, {"id": "7"}]])
def test_a_comment_list_of_another_shape_costs_the_comment_not_the_status(server, tmp_path, answer):
    server.answers[("GET", "issues/list-comments")] = (200, answer, {})
    code, out, _ = publish(actions_env(server, tmp_path))
    assert code == 1
    assert list(server.statuses) == [HEAD]  # the status still went out
    if isinstance(answer, dict):
        assert "not a list" in out
    else:  # items that are not comments are not ours: a comment is created
        assert len(server.comments[2]) == 1


def test_a_link_that_loops_costs_the_comment_not_the_status(server, tmp_path):
    back = f'<{server.url}/repos/o/r/issues/2/comments?page=1>; rel="next"'
    server.answers[("GET", "issues/list-comments")] = (200, [], {"Link": back})
    code, out, _ = publish(actions_env(server, tmp_path))
    assert code == 1 and "loop" in out
    assert len(server.calls("issues/list-comments")) <= 3
    assert list(server.statuses) == [HEAD]


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("pull_request.opened.json", lambda d: d["pull_request"].update(head=None)),
        ("pull_request.opened.json", lambda d: d["pull_request"].update(head=[1])),
        ("pull_request.opened.json", lambda d: d.update(number=[2])),
        ("pull_request.opened.json", lambda d: d.update(pull_request=None)),
        ("workflow_run.completed.with-pull-requests.json",
         lambda d: d["workflow_run"].update(html_url={"x": 1}, event="pull_request")),
        ("workflow_run.completed.with-pull-requests.json",
         lambda d: d["workflow_run"].update(pull_requests={"2": 1}, event="pull_request")),
        ("workflow_run.completed.with-pull-requests.json",
         lambda d: d["workflow_run"].update(head_sha=None)),
    ],
)  # fmt: skip
def test_payloads_of_another_shape_publish_what_they_can(server, tmp_path, name, edit):
    env = actions_env(server, tmp_path, name.split(".")[0])
    env["GITHUB_EVENT_PATH"] = event(tmp_path, name, edit)
    write_results(FAILING, tmp_path / "r.json")
    proc = invoke("publish", str(tmp_path / "r.json"), env=env)
    assert proc.returncode == 1, proc.stderr  # the verdict's code: a failing check
    assert "Traceback" not in proc.stderr
    assert "mlxguard: FAIL" in (tmp_path / "summary.md").read_text()
    assert "verdict" in (tmp_path / "output").read_text()
    assert "actions/runs/" in (tmp_path / "summary.md").read_text() or not server.comments


@pytest.mark.parametrize("variable", ["GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"])
def test_a_full_disk_is_named_and_the_other_channels_carry_on(server, tmp_path, variable):
    env = {**actions_env(server, tmp_path), variable: "/dev/full"}
    code, out, _ = publish(env)
    assert code == 1
    assert "could not write the" in out and f"{variable} (/dev/full)" in out
    assert "No space left on device" in out
    assert list(server.statuses) == [HEAD] and len(server.comments[2]) == 1


def test_an_unreachable_api_says_the_comment_was_skipped_for_it(tmp_path):
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # discard: nothing listens
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    code, out, _ = publish(env, pr=5)
    assert code == 1
    assert "no comment, skipped: GitHub could not be reached to look up PR #5" in out
    assert "no pull request to comment on" not in out


DEEP = "[" * 100_000 + "]" * 100_000  # JSON nested past any parser's depth


@pytest.mark.parametrize(
    ("key", "status", "said"),
    [
        (("GET", "issues/list-comments"), 200, "nested too deep"),  # a page
        (("POST", "issues/create-comment"), 201, "nested too deep"),  # an answer to a write
        (("GET", "issues/list-comments"), 404, "HTTP 404: [[["),  # an error body, for its message
        (("POST", "repos/create-commit-status"), 403, "HTTP 403: [[["),
    ],
)
def test_an_answer_nested_too_deep_costs_its_channel_only(server, tmp_path, key, status, said):
    server.answers[key] = (status, DEEP, {})
    code, out, err = publish(actions_env(server, tmp_path))
    assert code == 1 and "Traceback" not in out + err
    assert "mlxguard: FAIL" in (tmp_path / "summary.md").read_text()
    if key[1].startswith("issues/"):
        assert list(server.statuses) == [HEAD]
    else:
        assert len(server.comments[2]) == 1
    [warning] = [line for line in out.splitlines() if line.startswith("::warning")]
    assert said in warning and len(warning) < 1_000, warning
