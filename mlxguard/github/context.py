"""Where to report: repository, pull request, commit and run URL, from the Actions environment.

Sources, in order: explicit flags (`--pr`, `--sha`), then the event payload at
`GITHUB_EVENT_PATH` (`pull_request`, `pull_request_target`, `workflow_run`, `push`), then
`GITHUB_SHA`. The status goes on the pull request's head sha, never on the merge sha that
`GITHUB_SHA` holds for `pull_request` events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlxguard.errors import UsageError

PR_EVENTS = ("pull_request", "pull_request_target")
_SHA = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Context:
    """What `publish` needs to know about the run.

    Attributes:
        verify_head: the PR number came from outside the event (e.g. from an artifact of a
            fork's run), so the PR's head sha must be checked against `sha` before using it.
    """

    api_url: str
    repository: str | None
    event_name: str
    pr: int | None
    sha: str | None
    run_url: str | None
    verify_head: bool = False


def _payload(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read the event payload '{path}': {e}") from None
    return data if isinstance(data, dict) else {}


def _check_sha(sha: str | None, source: str) -> str | None:
    if sha is not None and not _SHA.fullmatch(sha):
        raise UsageError(f"{source} '{sha}' is not a full 40-character commit sha")
    return sha


def resolve(env: Mapping[str, str], *, pr: int | None = None, sha: str | None = None) -> Context:
    """The context of this run.

    Raises:
        UsageError: an unreadable payload, a malformed sha, repository or PR number.
    """
    if pr is not None and pr < 1:
        raise UsageError(f"--pr {pr} must be a positive pull request number")
    _check_sha(sha, "--sha")
    repository = env.get("GITHUB_REPOSITORY") or None
    if repository is not None and not _REPO.fullmatch(repository):
        raise UsageError(f"GITHUB_REPOSITORY '{repository}' is not owner/name")
    event = env.get("GITHUB_EVENT_NAME", "")
    payload = _payload(env)
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_url = (
        f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
        if repository and env.get("GITHUB_RUN_ID")
        else None
    )
    event_pr, event_sha, verify = None, None, False
    if event in PR_EVENTS and isinstance(payload.get("pull_request"), dict):
        event_pr = payload.get("number")
        event_sha = payload["pull_request"].get("head", {}).get("sha")
    elif event == "workflow_run" and isinstance(payload.get("workflow_run"), dict):
        run = payload["workflow_run"]
        run_url = run.get("html_url") or run_url  # the run that measured, with its logs
        listed = {
            p.get("number"): p.get("head", {}).get("sha")
            for p in run.get("pull_requests") or []
            if isinstance(p, dict)
        }
        if pr is None and listed:
            event_pr, event_sha = next(iter(listed.items()))
        elif pr is not None and pr in listed:
            event_sha = listed[pr]
        else:
            # A fork's PR is not listed: its number comes from elsewhere and must be verified.
            event_sha = run.get("head_sha")
            verify = pr is not None
            if verify and sha is not None and sha != event_sha:
                raise UsageError(f"--sha {sha} is not the head_sha of the workflow_run event")
    elif event == "push":
        event_sha = payload.get("after")
    if not _SHA.fullmatch(str(event_sha)) or event_sha == "0" * 40:
        event_sha = None  # absent, or the all-zero "after" of a deleted branch
    if isinstance(event_pr, int) and pr is None:
        pr = event_pr
    # GITHUB_SHA is a merge commit for PR events: a PR's head sha is asked of the API instead.
    fallback = env.get("GITHUB_SHA") or None if pr is None and event not in PR_EVENTS else None
    return Context(
        api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
        repository=repository,
        event_name=event,
        pr=pr,
        sha=sha or event_sha or _check_sha(fallback, "GITHUB_SHA"),
        run_url=run_url,
        verify_head=verify,
    )
