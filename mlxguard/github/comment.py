"""The sticky pull request comment: one per status context, found by a hidden marker.

Only comments written by the token's own identity count: anyone can paste the marker into a
comment of theirs, and that comment is just text (never edited, never deleted). The marker is
looked for on every page of the PR's comments, so it is found even behind 100 others.

Two jobs racing may both find nothing and both create a comment: after creating, the comments
are listed again and the oldest of ours is kept (updated with this body if it is not ours), the
newer ones deleted, so a race ends with one comment at once. A create that may have gone
through (a 5xx or a lost connection on POST) is never repeated blindly: the comments are listed
again first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlxguard.github.client import Client, GitHubError, dig

# GitHub rejects comment bodies over 65,536 characters (counted as UTF-16 code units).
MAX_BODY = 65_536
# The longest line kept whole when a body is trimmed.
MAX_LINE = 8_000
# Who writes with the Actions GITHUB_TOKEN; that token may not read GET /user.
ACTIONS_BOT = "github-actions[bot]"
_CONTEXT = re.compile(r"[^A-Za-z0-9_.:/ -]")


def marker(context: str) -> str:
    """The hidden HTML comment that identifies our comment for `context`."""
    safe = _CONTEXT.sub("_", context).replace("--", "__")
    return f"<!-- mlxguard:sticky-comment context={safe} -->"


def comment_author(client: Client, configured: str | None = None) -> str:
    """The login our comments carry: `configured`, else `GET /user`, else the Actions bot.

    An installation token (the Actions `GITHUB_TOKEN`) gets 403 from `GET /user`; its comments
    are written by `github-actions[bot]`. A personal token's login is what `GET /user` says.
    """
    if configured:
        return configured
    try:
        user = client.json("GET", "/user")
    except GitHubError as e:
        if e.status in (401, 403, 404):
            return ACTIONS_BOT
        raise
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) and login else ACTIONS_BOT


def utf16_units(text: str) -> int:
    """Length as GitHub counts a comment: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def utf8_bytes(text: str) -> int:
    """Length as GitHub counts a job summary: bytes of UTF-8."""
    return len(text.encode("utf-8"))


def fit(
    body: str, pointer: str, limit: int = MAX_BODY, size: Callable[[str], int] = utf16_units
) -> str:
    """`body`, or as many whole lines of it as fit with `pointer` appended, within `limit` as
    measured by `size`; "" when not even `pointer` fits.

    A line longer than `MAX_LINE` characters is cut first, so one huge line (a table row of
    long names) cannot push out everything after it. Open `<details>` blocks and code fences of
    the kept part are closed, so the trimmed comment still renders.
    """
    if size(body) <= limit:
        return body
    tail = f"\n\n{pointer}\n"
    if size(tail) > limit:
        return ""
    kept: list[str] = []
    used = size(tail)
    for line in body.splitlines(keepends=True):
        if len(line) > MAX_LINE:
            line = line[: MAX_LINE - 2] + "…\n"
        used += size(line)
        if used > limit:
            break
        kept.append(line)
    while True:
        text = "".join(kept).rstrip()
        out = f"{text}{_closing(text)}{tail}"
        if size(out) <= limit or not kept:  # with nothing kept, `out` is `tail`: it fits
            return out
        kept.pop()


def _closing(text: str) -> str:
    """What closes the code fence and the `<details>` blocks left open in `text`."""
    fence = "\n```" if text.count("```") % 2 else ""
    return fence + "\n</details>" * max(0, text.count("<details>") - text.count("</details>"))


def _comment_id(comment: Any) -> int | None:
    """A comment's id, when the answer has one (an integer)."""
    cid = dig(comment, "id")
    return cid if isinstance(cid, int) and not isinstance(cid, bool) else None


def _html_url(comment: Any) -> str | None:
    """A comment's address, when the answer has one (a string)."""
    url = dig(comment, "html_url")
    return url if isinstance(url, str) else None


@dataclass(frozen=True)
class Posted:
    """What happened to the comment: `created` or `updated`, its id and URL."""

    action: str
    id: int
    url: str | None


class StickyComment:
    """The marker comment of one pull request."""

    def __init__(
        self, client: Client, repository: str, pr: int, context: str, *, author: str
    ) -> None:
        """
        Args:
            author: the login of the token's identity (see `comment_author`).
        """
        self.client = client
        self.base = f"/repos/{repository}/issues"
        self.pr = pr
        self.marker = marker(context)
        self.author = author.lower()

    def _ours(self, comment: Any) -> bool:
        """A comment of ours with the marker; anything of another shape is not."""
        login, body = dig(comment, "user", "login"), dig(comment, "body")
        return (
            _comment_id(comment) is not None
            and isinstance(login, str)
            and login.lower() == self.author
            and isinstance(body, str)
            and self.marker in body
        )

    def find(self) -> list[dict[str, Any]]:
        """Our comments carrying the marker, oldest first (normally zero or one)."""
        comments = self.client.paginate(f"{self.base}/{self.pr}/comments")
        found = [c for c in comments if self._ours(c)]
        return sorted(found, key=lambda c: c["id"])  # ids grow with creation time

    def _update(self, comment_id: int, body: str) -> Posted:
        c = self.client.json("PATCH", f"{self.base}/comments/{comment_id}", json={"body": body})
        return Posted("updated", comment_id, _html_url(c))

    def _delete(self, comment_id: int) -> None:
        try:
            self.client.request("DELETE", f"{self.base}/comments/{comment_id}")
        except GitHubError as e:
            if e.status != 404:  # a racing job deleted it first
                raise

    def _converge(self, found: list[dict[str, Any]], body: str, mine: int | None) -> Posted:
        """Keep the oldest of `found` with `body` in it, delete the others."""
        for extra in found[1:]:
            self._delete(extra["id"])
        oldest = found[0]
        if oldest["id"] == mine:
            return Posted("created", oldest["id"], _html_url(oldest))
        return self._update(oldest["id"], body)

    def upsert(self, body: str, pointer: str) -> Posted:
        """Update our comment in place, or create it; an oversized `body` is trimmed to fit,
        ending with `pointer` (where to read the rest)."""
        body = fit(f"{self.marker}\n{body}", pointer)
        found = self.find()
        if found:
            # Keep the oldest, so links to it hold; newer ones were left by a race.
            return self._converge(found, body, None)
        try:
            c = self.client.json("POST", f"{self.base}/{self.pr}/comments", json={"body": body})
        except GitHubError as e:
            if not e.uncertain:
                raise
            # It may exist now: look before creating a second one.
            found = self.find()
            if found:
                return self._converge(found, body, None)
            c = self.client.json("POST", f"{self.base}/{self.pr}/comments", json={"body": body})
        mine = _comment_id(c)
        if mine is None:
            raise GitHubError("POST comment: GitHub's answer has no comment id")
        # Another job may have created one meanwhile: list again and keep the oldest.
        found = self.find() or [c]
        return self._converge(found, body, mine)
