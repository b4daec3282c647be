"""The sticky pull request comment: one per status context, found by a hidden marker.

The marker is looked for on every page of the PR's comments, so it is found even behind 100
others. A create that may have gone through (a 5xx or a lost connection on POST) is never
repeated blindly: the comments are listed again first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlxguard.github.client import Client, GitHubError

# GitHub rejects comment bodies over 65,536 characters (counted as UTF-16 code units).
MAX_BODY = 65_536
_CONTEXT = re.compile(r"[^A-Za-z0-9_.:/ -]")


def marker(context: str) -> str:
    """The hidden HTML comment that identifies our comment for `context`."""
    safe = _CONTEXT.sub("_", context).replace("--", "__")
    return f"<!-- mlxguard:sticky-comment context={safe} -->"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(body: str, pointer: str, limit: int = MAX_BODY) -> str:
    """`body`, or as many whole lines of it as fit with `pointer` appended, under `limit`.

    Open `<details>` blocks and code fences of the kept part are closed, so the trimmed
    comment still renders.
    """
    if _units(body) <= limit:
        return body
    budget = limit - _units(pointer) - 64  # room for the closing tags below
    kept: list[str] = []
    used = 0
    for line in body.splitlines(keepends=True):
        used += _units(line)
        if used > budget:
            break
        kept.append(line)
    text = "".join(kept)
    closing = ""
    if text.count("```") % 2:
        closing += "\n```"
    closing += "\n</details>" * max(0, text.count("<details>") - text.count("</details>"))
    return f"{text.rstrip()}{closing}\n\n{pointer}\n"


@dataclass(frozen=True)
class Posted:
    """What happened to the comment: `created` or `updated`, its id and URL."""

    action: str
    id: int
    url: str | None


class StickyComment:
    """The marker comment of one pull request."""

    def __init__(self, client: Client, repository: str, pr: int, context: str) -> None:
        self.client = client
        self.base = f"/repos/{repository}/issues"
        self.pr = pr
        self.marker = marker(context)

    def find(self) -> list[dict[str, Any]]:
        """Every comment carrying the marker, oldest first (normally zero or one)."""
        comments = self.client.paginate(f"{self.base}/{self.pr}/comments")
        return [c for c in comments if self.marker in (c.get("body") or "")]

    def _update(self, comment_id: int, body: str) -> Posted:
        c = self.client.json("PATCH", f"{self.base}/comments/{comment_id}", json={"body": body})
        return Posted("updated", comment_id, c.get("html_url"))

    def upsert(self, body: str, pointer: str) -> Posted:
        """Update our comment in place, or create it; an oversized `body` is trimmed to fit,
        ending with `pointer` (where to read the rest)."""
        body = fit(f"{self.marker}\n{body}", pointer)
        found = self.find()
        for extra in found[1:]:
            # Left by an older run that raced this one: keep the first, so links to it hold.
            self.client.request("DELETE", f"{self.base}/comments/{extra['id']}")
        if found:
            return self._update(found[0]["id"], body)
        try:
            c = self.client.json("POST", f"{self.base}/{self.pr}/comments", json={"body": body})
        except GitHubError as e:
            if not e.uncertain:
                raise
            # It may exist now: look before creating a second one.
            found = self.find()
            if found:
                return self._update(found[0]["id"], body)
            c = self.client.json("POST", f"{self.base}/{self.pr}/comments", json={"body": body})
        return Posted("created", c["id"], c.get("html_url"))
