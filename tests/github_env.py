"""What the GitHub tests share: the payloads' identities, an Actions environment against the
local API server, and the commands they run (`publish`, `check`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from github_server import DATA, GitHubServer

ROOT = Path(__file__).resolve().parents[1]
EVENTS = DATA / "events"
TOKEN = "ghs_test0123456789secretTOKEN"
HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"  # the PR's head sha in the payloads
RUN_HEAD = "3484a3fb816e0859fd6e1cea078d76385ff50625"  # workflow_run.head_sha of the payload


def actions_env(server: GitHubServer, tmp_path: Path, event: str = "pull_request") -> dict:
    """The environment of an Actions job on `event`, its API the local `server`."""
    payload = {
        "pull_request": "pull_request.opened.json",
        "workflow_run": "workflow_run.completed.with-pull-requests.json",
        "push": "push.json",
    }[event]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_API_URL=server.url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_REPOSITORY="Codertocat/Hello-World",
        GITHUB_EVENT_NAME=event,
        GITHUB_EVENT_PATH=str(EVENTS / payload),
        GITHUB_SHA="1" * 40,  # a merge sha: the status must not go there
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_RUN_ID="42",
        GITHUB_OUTPUT=str(tmp_path / "output"),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
    )
    return env


def runner_env(server: GitHubServer, temp: Path) -> dict[str, str]:
    """The environment the composite action's steps see on a runner, its API the local `server`."""
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


def publish(results: Path, env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    """`mlxguard publish results *args` in a subprocess with `env`."""
    cmd = [sys.executable, "-m", "mlxguard", "publish", str(results), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def check_code(results: Path) -> int:
    """The exit code `mlxguard check results` gives (what publish must give too)."""
    cmd = [sys.executable, "-m", "mlxguard", "check", str(results)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=300).returncode


def fork_event(tmp_path: Path) -> Path:
    """A workflow_run payload as GitHub sends a fork's run: no pull request listed."""
    data = json.loads((EVENTS / "workflow_run.completed.with-pull-requests.json").read_text())
    data["workflow_run"]["event"] = "pull_request"
    data["workflow_run"]["pull_requests"] = []  # how GitHub sends a fork's run
    path = tmp_path / "fork-event.json"
    path.write_text(json.dumps(data))
    return path
