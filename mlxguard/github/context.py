"""Where to report: repository, pull request, commit and run URL, from the Actions environment.

Sources, in order: explicit flags (`--pr`, `--sha`), then the event payload at
`GITHUB_EVENT_PATH` (`pull_request`, `pull_request_target`, `workflow_run`, `push`), then
`GITHUB_SHA`. The status goes on the pull request's head sha, never on the merge sha that
`GITHUB_SHA` holds for `pull_request` events.

`workflow_run` (publishing the results of another run): the status goes on the commit that run
measured, `workflow_run.head_sha`. A comment goes on a pull request only when that run was a
pull request's (`workflow_run.event` is `pull_request` or `pull_request_target`) and the pull
request's head is still that commit; otherwise there is no comment, and `no_comment` says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlxguard.errors import UsageError
from mlxguard.fsutil import MAX_EVENT_BYTES, parse_json, read_input
from mlxguard.github.client import dig

PR_EVENTS = ("pull_request", "pull_request_target")
MAX_PR = 2**31 - 1  # GitHub's issue and pull request numbers are 32-bit
SHA = re.compile(r"[0-9a-f]{40}")
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Context:
    """What `publish` needs to know about the run.

    Attributes:
        verify_head: the PR number came from outside the event (e.g. from an artifact of a
            fork's run), so the PR's head sha must be checked against `sha` before using it.
        no_comment: why there is no pull request to comment on, when the event says so.
    """

    api_url: str
    repository: str | None
    event_name: str
    pr: int | None
    sha: str | None
    run_url: str | None
    verify_head: bool = False
    no_comment: str | None = None


def _payload(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    text = read_input(Path(path), "event payload", MAX_EVENT_BYTES)
    try:
        data = parse_json(text)
    except ValueError as e:
        raise UsageError(f"cannot read the event payload '{path}': {e}") from None
    return data if isinstance(data, dict) else {}


def pr_number(value: object) -> int | None:
    """``value`` when it is a pull request number (an integer, 1 to 2^31 - 1), else None: a
    payload's `true`, `-3`, `"5"` or `5.0` is none (`true` would name PR #1)."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PR:
        return value
    return None


def _not_a_pr(value: object, source: str) -> str:
    return f"{source} {str(value)[:40]!r} is not a pull request number (1 to {MAX_PR})"


def _check_sha(sha: str | None, source: str) -> str | None:
    if sha is not None and not SHA.fullmatch(sha):
        raise UsageError(f"{source} '{sha}' is not a full 40-character commit sha")
    return sha


def resolve(env: Mapping[str, str], *, pr: int | None = None, sha: str | None = None) -> Context:
    """The context of this run.

    Raises:
        UsageError: an unreadable payload, a malformed sha, repository or PR number.
    """
    if pr is not None and pr_number(pr) is None:
        raise UsageError(f"--pr {pr} must be a pull request number, 1 to {MAX_PR}")
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
    event_pr, event_sha, verify, no_comment = None, None, False, None
    if event in PR_EVENTS and isinstance(payload.get("pull_request"), dict):
        event_pr = pr_number(payload.get("number"))
        if event_pr is None and pr is None:
            no_comment = _not_a_pr(payload.get("number"), "the event payload's number")
        event_sha = dig(payload, "pull_request", "head", "sha")  # a null head: asked of the API
    elif event == "workflow_run" and isinstance(payload.get("workflow_run"), dict):
        run = payload["workflow_run"]
        html_url = run.get("html_url")
        if isinstance(html_url, str) and html_url:
            run_url = html_url  # the run that measured, with its logs
        event_sha = run.get("head_sha")  # the measured commit: the status goes there
        if sha is not None and sha != event_sha:
            raise UsageError(f"--sha {sha} is not the head_sha of the workflow_run event")
        event_pr, verify, no_comment = _run_pull_request(run, pr)
        if no_comment is not None:
            pr = None
    elif event == "push":
        event_sha = payload.get("after")
    if not SHA.fullmatch(str(event_sha)) or event_sha == "0" * 40:
        event_sha = None  # absent, or the all-zero "after" of a deleted branch
    if event_pr is not None and pr is None:
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
        no_comment=no_comment,
    )


def _run_pull_request(run: dict[str, Any], pr: int | None) -> tuple[int | None, bool, str | None]:
    """(PR from the payload, whether `pr` must be checked with the API, why no comment).

    A listed PR counts only when its head is the measured commit. A fork's PR is not listed:
    its number comes from elsewhere (`pr`, from the artifact) and is checked with the API.
    """
    kind = run.get("event")
    if kind not in PR_EVENTS:
        return None, False, f"the measured run was triggered by {kind}, not by a pull request"
    head = run.get("head_sha")
    pulls = run.get("pull_requests")
    listed = {
        number: p["head"].get("sha")
        for p in (pulls if isinstance(pulls, list) else [])
        if isinstance(p, dict) and isinstance(p.get("head"), dict)
        if (number := pr_number(p.get("number"))) is not None  # true, -3, "5": not listed
    }
    if pr is None and listed:
        pr = next(iter(listed))
    if pr is not None and pr in listed:
        if listed[pr] != head:
            return None, False, f"PR #{pr} has moved on from the measured commit {head}"
        return pr, False, None
    return None, pr is not None, None
