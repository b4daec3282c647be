"""Publish a check to GitHub: job summary, outputs, annotations, sticky PR comment, commit status.

The verdict is decided before anything is published, and nothing here can change it: every
reporting failure becomes a warning annotation that says what happened (a rate limit, a refusal
such as a fork's read-only token, the deadline), and the report stays in the job summary. The
requests to GitHub share one deadline (`Options.deadline_s`), after which publishing stops.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from mlxguard.check.verdicts import CheckReport
from mlxguard.defaults import FailOn
from mlxguard.github.client import Client, GitHubError, dig, token_from_env
from mlxguard.github.comment import StickyComment, comment_author
from mlxguard.github.context import SHA, Context, resolve
from mlxguard.github.workflow import Level, add_summary, annotate, set_outputs
from mlxguard.reports import comment
from mlxguard.reports.headline import headline
from mlxguard.results import Results
from mlxguard.safetext import log_line

MAX_DESCRIPTION = 140
# GitHub shows at most 10 error and 10 warning annotations per step.
MAX_ANNOTATIONS = 10
DEFAULT_DEADLINE_S = 60.0
READ_ONLY_HINT = (
    "the token cannot write here (a fork's pull request has a read-only token): the report is "
    "in the job summary only; publish from a workflow_run workflow (see docs/github.md)"
)
RATE_LIMIT_HINT = "GitHub's rate limit stopped publishing; the report is in the job summary only"


@dataclass(frozen=True)
class Options:
    """What to publish, and where (flags of `mlxguard publish`)."""

    context: str = "mlxguard"
    comment: bool = True
    status: bool = True
    fail_on: FailOn = "fail"
    pr: int | None = None
    sha: str | None = None
    gated: tuple[str, ...] = ()
    artifact: str = "mlxguard-results"
    comment_author: str | None = None  # None: asked of GET /user, else the Actions bot
    deadline_s: float = DEFAULT_DEADLINE_S


def status_state(report: CheckReport, fail_on: FailOn) -> str:
    """The commit status state: `failure` exactly when the check exits 1."""
    return "failure" if report.exit_code(fail_on) else "success"


def complete(results: Results) -> bool:
    """Whether every planned suite ran to its end (only such a run may become a baseline)."""
    return results.run.finished_at is not None and not results.run.incomplete_suites


def _unreached(e: GitHubError) -> str:
    """Why a request got no usable answer, for "skipped: ... to look up PR #5"."""
    if e.kind == "deadline":
        return "GitHub did not answer before the deadline"
    if e.kind == "rate-limit":
        return "GitHub's rate limit stopped the request"
    if e.status is None:
        return "GitHub could not be reached"
    return f"GitHub answered HTTP {e.status}"


def description(report: CheckReport) -> str:
    """The headline, cut to the 140 characters a commit status allows."""
    text = " ".join(headline(report).split())
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


class Publisher:
    """One publication; `out` receives the workflow commands and the progress lines."""

    def __init__(self, env: Mapping[str, str], options: Options, out: TextIO | None = None):
        self.env = env
        self.options = options
        self.out = out or sys.stdout
        self._stopped = False  # the deadline passed; said once

    def _note(self, level: Level, message: str, title: str) -> None:
        """An annotation in Actions (on `out`, where the runner reads it); a plain
        `level: message` line on stderr elsewhere, like every other warning."""
        if self.env.get("GITHUB_ACTIONS") == "true":
            annotate(level, message, title=title, out=self.out)
        else:
            print(log_line(f"{level}: {title}: {message}"), file=sys.stderr)

    def _say(self, line: str) -> None:
        """A progress line on `out` (it may quote what the API sent)."""
        print(log_line(f"mlxguard publish: {line}"), file=self.out)

    def _warn(self, message: str) -> None:
        self._note("warning", message, "mlxguard publish")

    def publish(self, results: Results, report: CheckReport) -> int:
        """Publish everything that can be; return the check's exit code, whatever happened."""
        code = report.exit_code(self.options.fail_on)
        ctx = resolve(self.env, pr=self.options.pr, sha=self.options.sha)
        body = comment.render(
            results,
            report,
            gated=list(self.options.gated),
            run_url=ctx.run_url,
            context=self.options.context,
        )
        self._annotate(report)
        pointer = comment.trimmed_pointer(ctx.run_url, self.options.artifact)
        self._write(
            "job summary", "GITHUB_STEP_SUMMARY", lambda: add_summary(body, self.env, pointer)
        )
        url = (
            self._remote(ctx, report, body) if self.options.comment or self.options.status else None
        )
        outputs = {"verdict": report.status, "exit-code": str(code), "comment-url": url or ""}
        outputs["complete"] = "true" if complete(results) else "false"
        self._write("step outputs", "GITHUB_OUTPUT", lambda: set_outputs(outputs, self.env))
        return code

    def _write(self, what: str, variable: str, write: Callable[[], object]) -> None:
        """One of the runner's files; a failure (a full disk) is a warning naming the file, and
        the other channels carry on."""
        try:
            write()
        except OSError as e:
            where = self.env.get(variable, "")
            self._warn(
                f"could not write the {what} to {variable} ({where}): {e.strerror or e}; "
                "the other channels carry on"
            )

    def _annotate(self, report: CheckReport) -> None:
        """Failed checks as errors, doubtful ones and warnings as warnings; past what GitHub
        shows for a step, one notice counts the rest (they are all in the job summary)."""
        notes: dict[Level, list[tuple[str, str]]] = {"error": [], "warning": []}
        for v in report.verdicts:
            if v.status in ("fail", "inconclusive"):
                stat = f" {v.stat}" if v.stat else ""
                notes["error" if v.status == "fail" else "warning"].append(
                    (f"{v.metric}{stat}: {v.evidence}", f"mlxguard {v.status}: {v.label}")
                )
        notes["warning"] += [(w, "mlxguard") for w in report.warnings]
        left = []
        kinds: list[tuple[Level, str]] = [
            ("error", "failed checks"),
            ("warning", "doubts and warnings"),
        ]
        for level, what in kinds:
            for message, title in notes[level][:MAX_ANNOTATIONS]:
                self._note(level, message, title)
            if len(notes[level]) > MAX_ANNOTATIONS:
                left.append(f"{len(notes[level]) - MAX_ANNOTATIONS} more {what}")
        if left:
            self._note("notice", f"{' and '.join(left)}: see the job summary", "mlxguard")

    def _remote(self, ctx: Context, report: CheckReport, body: str) -> str | None:
        """The comment and the status; returns the comment's URL when one was posted."""
        token = token_from_env(self.env)
        if not token or not ctx.repository:
            self._warn("no GITHUB_TOKEN or GITHUB_REPOSITORY: comment and status skipped")
            return None
        url = None
        with Client(ctx.api_url, token, deadline_s=self.options.deadline_s) as client:
            try:
                sha, why_not = self._head(client, ctx)
                if self.options.comment:
                    url = self._guarded(lambda: self._comment(client, ctx, body, why_not))
                if self.options.status and sha:
                    self._guarded(lambda: self._status(client, ctx, sha, report))
                elif self.options.status:
                    self._say("no status, no commit to set it on")
            finally:
                for line in client.log:
                    self._say(line)
        return url

    def _guarded(self, post: Callable[[], str | None]) -> str | None:
        """Run one publication; a failure is a warning, never an exception."""
        try:
            return post()
        except GitHubError as e:
            self._failed(e)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            self._warn(f"publishing failed: unexpected API response ({type(e).__name__})")
        return None

    def _failed(self, e: GitHubError) -> None:
        """The warning for a request that failed for good."""
        if e.kind == "deadline":
            if not self._stopped:
                self._stopped = True
                self._warn(f"publishing {e}; what was not posted is in the job summary")
        elif e.kind == "rate-limit":
            self._warn(f"{RATE_LIMIT_HINT}: {e}")
        elif e.kind == "permission":
            self._warn(f"{READ_ONLY_HINT} ({e})")
        else:
            self._warn(f"publishing failed: {e}")

    def _head(self, client: Client, ctx: Context) -> tuple[str | None, str | None]:
        """The sha for the status, and why the PR cannot be commented on (None: it can)."""
        if ctx.pr is None:
            why = f": {ctx.no_comment}" if ctx.no_comment else ""
            return ctx.sha, f"no pull request to comment on{why}"
        if ctx.sha is not None and not ctx.verify_head:
            return ctx.sha, None
        try:
            pull = client.json("GET", f"/repos/{ctx.repository}/pulls/{ctx.pr}")
        except GitHubError as e:
            self._failed(e)
            return ctx.sha, f"skipped: {_unreached(e)} to look up PR #{ctx.pr}"
        head = dig(pull, "head", "sha")
        if not isinstance(head, str) or not SHA.fullmatch(head):
            return ctx.sha, f"skipped: GitHub's answer for PR #{ctx.pr} names no head commit"
        if ctx.verify_head and head != ctx.sha:
            # The PR number came from an artifact; it must name the PR that was measured.
            self._warn(f"PR #{ctx.pr} is at {head}, not at the measured {ctx.sha}: no comment")
            return ctx.sha, f"PR #{ctx.pr} is not at the measured commit"
        return ctx.sha or head, None

    def _comment(self, client: Client, ctx: Context, body: str, why_not: str | None) -> str | None:
        if why_not is not None:
            self._say(f"no comment, {why_not}")
            return None
        pointer = comment.trimmed_pointer(ctx.run_url, self.options.artifact)
        author = comment_author(client, self.options.comment_author)
        sticky = StickyComment(
            client,
            ctx.repository,  # type: ignore[arg-type]
            ctx.pr,  # type: ignore[arg-type]
            self.options.context,
            author=author,
        )
        posted = sticky.upsert(body, pointer)
        self._say(f"comment {posted.action}: {posted.url}")
        return posted.url

    def _status(self, client: Client, ctx: Context, sha: str, report: CheckReport) -> None:
        payload = {
            "state": status_state(report, self.options.fail_on),
            "description": description(report),
            "context": self.options.context,
        }
        run_url = comment.safe_url(ctx.run_url)
        if run_url:
            payload["target_url"] = run_url
        # Repeating a status is harmless: the latest per context is the one shown.
        client.request(
            "POST", f"/repos/{ctx.repository}/statuses/{sha}", json=payload, idempotent=True
        )
        self._say(f"status {report.status} on {sha}")
