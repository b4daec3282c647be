"""A small GitHub REST client: retries, rate limits, pagination, and a token kept secret.

This is the only module that reads `GITHUB_TOKEN`. The token is sent only to the configured API
host (never to a `Link` URL elsewhere) and is scrubbed from every error message.

Faults:
- 5xx and connection errors are retried with exponential backoff, but only for idempotent
  requests. A POST that failed that way raises `GitHubError(uncertain=True)`: it may have been
  applied, so the caller looks before posting again.
- Primary and secondary rate limits (403/429 with `retry-after`, or `x-ratelimit-remaining: 0`
  with `x-ratelimit-reset`) are waited out when the wait is at most `max_wait_s` and ends before
  the deadline; a rate-limited request was not applied, so it is repeated whatever its method.
  A limit that is not waited out is remembered: later requests fail at once, without asking.
- A rate limit (`kind="rate-limit"`) is told from a refusal (`kind="permission"`, e.g. a fork's
  read-only token) by the response: `retry-after`, `x-ratelimit-remaining` and the message.
- Redirects are followed on the API host only (at most 5): one off it is refused, so neither
  the token nor a POST's body (a 307 repeats it) reaches another host.
- An answer is read up to 32 MiB, then abandoned (not held whole in memory); one that is not
  JSON (nested past the parser's depth included), or a list page that is not a list, is an
  error. `paginate` stops at a `Link` back to a
  page it read (a loop) and after 100 pages.
- `deadline_s` bounds every wait of the client together: each request, each retry and each
  rate-limit wait ends by then, however slowly a server answers (a response trickling one byte
  at a time restarts a per-read timeout, so each request also runs under a watchdog).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import requests

from mlxguard.fsutil import parse_json
from mlxguard.redact import scrub

API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
# GitHub asks clients to wait at least a minute after a secondary rate limit without retry-after.
SECONDARY_WAIT_S = 60.0
# How much of an error body (a message, an HTML page) is quoted.
BODY_CHARS = 200
# The largest answer read: a page of 100 comments of GitHub's longest (65,536 characters) is
# at most 26 MiB of UTF-8; a bigger one is not GitHub's.
MAX_RESPONSE_BYTES = 32 * 2**20
# Pages of a list followed at most: 10,000 comments at 100 a page.
MAX_PAGES = 100
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
Kind = Literal["rate-limit", "permission", "deadline"]


class GitHubError(Exception):
    """A request that failed for good.

    Attributes:
        status: the HTTP status, or None when no response arrived.
        uncertain: the request may have been applied (a POST met a 5xx or a broken connection).
        kind: `rate-limit`, `permission` (refused: the token may not do this), `deadline`
            (the client's deadline passed), or None.
    """

    def __init__(
        self,
        message: str,
        status: int | None = None,
        *,
        uncertain: bool = False,
        kind: Kind | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.uncertain = uncertain
        self.kind = kind


def dig(value: Any, *path: str) -> Any:
    """What a decoded answer or payload holds at `path` (keys of nested objects), or None
    wherever its shape differs (a key missing, a null, a list where an object belongs)."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def token_from_env(env: Mapping[str, str]) -> str | None:
    """The token from `GITHUB_TOKEN` (empty means none)."""
    return env.get("GITHUB_TOKEN") or None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, first backoff, longest single wait."""

    attempts: int = 4
    backoff_s: float = 0.5
    max_wait_s: float = 90.0


class Client:
    """GitHub REST calls for one API base URL (`GITHUB_API_URL`)."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        retry: RetryPolicy | None = None,
        timeout_s: float = 30.0,
        deadline_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """
        Args:
            timeout_s: the longest wait for one connection or one read.
            deadline_s: seconds from now after which no request is sent or waited for.
            sleep, clock: for tests (`clock` is wall time, as `x-ratelimit-reset` is).
        """
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self._ends = None if deadline_s is None else time.monotonic() + deadline_s
        self._sleep = sleep
        self._clock = clock
        self._limited: GitHubError | None = None  # a rate limit not waited out
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Accept": MEDIA_TYPE,
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "mlxguard",
            }
        )
        self.log: list[str] = []  # one line per retry or wait, for the reader

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str, limit: int | None = None) -> str:
        """`text` with the token replaced, then cut to `limit`, for anything that may be printed."""
        return scrub(text, [self._token], limit)

    def remaining_s(self) -> float:
        """Seconds left before the deadline (infinite without one)."""
        return float("inf") if self._ends is None else self._ends - time.monotonic()

    def _deadline_error(self, what: str, *, uncertain: bool = False) -> GitHubError:
        return GitHubError(
            f"{what}: stopped at the deadline of {self.deadline_s:g} s",
            uncertain=uncertain,
            kind="deadline",
        )

    def _send(self, method: str, url: str, what: str, idempotent: bool, **kwargs: Any):
        """One HTTP exchange, abandoned when the deadline passes mid-answer."""
        left = self.remaining_s()
        if left <= 0:
            raise self._deadline_error(what)
        timeout = min(self.timeout_s, left)
        if self._ends is None:
            return self._exchange(method, url, what, idempotent, timeout, **kwargs)
        box: dict[str, Any] = {}

        def exchange() -> None:
            try:
                box["response"] = self._exchange(method, url, what, idempotent, timeout, **kwargs)
            except BaseException as e:  # handed to the caller's thread below
                box["error"] = e

        # A daemon thread: a server trickling bytes forever cannot hold the process.
        worker = threading.Thread(target=exchange, name="mlxguard-github", daemon=True)
        worker.start()
        worker.join(left)
        if worker.is_alive():
            self._ends = time.monotonic()  # nothing more is sent: the session is mid-exchange
            raise self._deadline_error(what, uncertain=not idempotent)
        if "error" in box:
            raise box["error"]
        return box["response"]

    def _exchange(
        self, method: str, url: str, what: str, idempotent: bool, timeout: float, **kwargs: Any
    ) -> requests.Response:
        """Send one request and read its body, at most `MAX_RESPONSE_BYTES` of it (decoded):
        a bigger answer is abandoned, not held in memory. Redirects are not followed here."""
        resp = self._session.request(
            method, url, timeout=timeout, stream=True, allow_redirects=False, **kwargs
        )
        with resp:
            body = bytearray()
            for chunk in resp.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise GitHubError(
                        f"{what}: the answer is over {MAX_RESPONSE_BYTES // 2**20} MiB; "
                        "not read further",
                        resp.status_code,
                        uncertain=not idempotent,
                    )
            resp._content = bytes(body)  # what `.json()`, `.text` and `.content` read
        return resp

    def _follow(
        self, method: str, url: str, what: str, idempotent: bool, **kwargs: Any
    ) -> requests.Response:
        """`_send`, following redirects on the API host only (at most `MAX_REDIRECTS`): a
        redirect elsewhere is refused, so neither the token nor a request's body leaves it. A
        307 or 308 repeats the request as it was; a 301, 302 or 303 repeats a GET, and turns
        anything else into an error (GitHub's API redirects GETs)."""
        for _ in range(MAX_REDIRECTS + 1):
            resp = self._send(method, url, what, idempotent, **kwargs)
            location = resp.headers.get("location")
            if resp.status_code not in REDIRECTS or not location:
                return resp
            url = self._url(urljoin(url, location), "a redirect")
            if resp.status_code not in (307, 308) and method not in ("GET", "HEAD"):
                raise GitHubError(
                    f"{what}: HTTP {resp.status_code} redirect of a {method}; not repeated",
                    resp.status_code,
                )
        raise GitHubError(f"{what}: more than {MAX_REDIRECTS} redirects; gave up")

    def _url(self, path_or_url: str, via: str = "a link") -> str:
        if "://" not in path_or_url:
            return f"{self.api_url}/{path_or_url.lstrip('/')}"
        api, url = urlsplit(self.api_url), urlsplit(path_or_url)
        if (url.scheme, url.netloc) != (api.scheme, api.netloc):
            # A Link header or a redirect pointing elsewhere must not receive the token.
            raise GitHubError(
                f"refusing to follow {via} off the API host: {url.scheme}://{url.netloc}"
            )
        return path_or_url

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send one request, retrying as the module docstring says.

        Args:
            idempotent: whether repeating it after a 5xx or a lost connection is safe
                (default: every method but POST).

        Raises:
            GitHubError: a 4xx, retries exhausted, or a rate-limit wait longer than allowed.
        """
        method = method.upper()
        url = self._url(path_or_url)
        if idempotent is None:
            idempotent = method != "POST"
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        what = f"{method} {urlsplit(url).path}"
        if self._limited is not None:
            raise GitHubError(
                f"{what}: not sent, {self._limited}", self._limited.status, kind="rate-limit"
            )
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            try:
                resp = self._follow(
                    method, url, what, idempotent, json=json, params=params, headers=headers
                )
            except requests.RequestException as e:
                reason = self.redact(f"{what}: {type(e).__name__}")
                if not idempotent or last:
                    raise GitHubError(f"{reason}; gave up", uncertain=not idempotent) from None
                self._wait(self._backoff(attempt), reason)
                continue
            limit = self._rate_limit(resp)
            if limit is not None:
                wait, which = limit
                reason = f"{what}: {which} ({resp.status_code})"
                if wait > self.retry.max_wait_s:
                    why = f"longer than the longest wait ({self.retry.max_wait_s:g} s)"
                elif wait > self.remaining_s():
                    why = f"past the deadline of {self.deadline_s:g} s"
                elif last:
                    why = f"still limited after {attempt} attempts"
                else:
                    self._wait(wait, reason)
                    continue
                self._limited = GitHubError(
                    f"{reason}; the limit lifts in {wait:.0f} s, {why}: gave up",
                    resp.status_code,
                    kind="rate-limit",
                )
                raise self._limited
            if resp.status_code >= 500:
                reason = f"{what}: HTTP {resp.status_code}"
                if not idempotent or last:
                    raise GitHubError(
                        f"{reason}; gave up", resp.status_code, uncertain=not idempotent
                    )
                self._wait(self._backoff(attempt), reason)
                continue
            if resp.status_code >= 400:
                said = self.redact(_body(resp), BODY_CHARS)
                raise GitHubError(
                    self.redact(f"{what}: HTTP {resp.status_code}: {said}"),
                    resp.status_code,
                    kind="permission" if resp.status_code == 403 else None,
                )
            return resp
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        return min(self.retry.backoff_s * 2 ** (attempt - 1), self.retry.max_wait_s)

    def _wait(self, seconds: float, reason: str) -> None:
        if seconds > self.remaining_s():
            raise self._deadline_error(reason)
        self.log.append(f"{reason}; retrying in {seconds:.1f} s")
        self._sleep(seconds)

    def _rate_limit(self, resp: requests.Response) -> tuple[float, str] | None:
        """(seconds to wait, which limit) for a rate-limited response; None otherwise.

        GitHub's documented signals: `retry-after`; `x-ratelimit-remaining: 0` with
        `x-ratelimit-reset` (the primary limit); a 403/429 whose message names a secondary rate
        limit (wait at least a minute). Any other 403 is a refusal, not a limit.
        """
        if resp.status_code not in (403, 429):
            return None
        h = resp.headers
        message = _message(resp).lower()
        which = "secondary rate limit" if "secondary rate limit" in message else "rate limited"
        retry_after = h.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            return float(retry_after), which
        if h.get("x-ratelimit-remaining") == "0" and (h.get("x-ratelimit-reset") or "").isdigit():
            reset = max(0.0, float(h["x-ratelimit-reset"]) - self._clock()) + 1.0
            return reset, "primary rate limit (x-ratelimit-remaining: 0)"
        if resp.status_code == 429 or "rate limit" in message:
            return SECONDARY_WAIT_S, which
        return None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request()` and the decoded JSON body."""
        resp = self.request(method, path, **kwargs)
        return _decoded(resp, f"{method.upper()} {urlsplit(resp.url).path}")

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` to the last page.

        Raises:
            GitHubError: a page that is not a list, a `next` link back to a page already read
                (a loop), or more than `MAX_PAGES` pages.
        """
        url: str = path
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        what = f"GET {urlsplit(path).path}"
        seen: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            resp = self.request("GET", url, params=query)
            items = _decoded(resp, what)
            if not isinstance(items, list):
                raise GitHubError(f"{what}: page {page} is a {type(items).__name__}, not a list")
            yield from items
            seen.add(resp.url)
            following = resp.links.get("next", {}).get("url")
            if not following:
                return
            if following in seen:
                raise GitHubError(
                    f"{what}: the Link header of page {page} points back to a page already "
                    "read (a loop); stopped"
                )
            url, query = following, None  # the next link carries the query string
        raise GitHubError(f"{what}: more than {MAX_PAGES} pages; stopped")


def _parsed(resp: requests.Response) -> Any:
    """The JSON of an answer's body, strictly (`fsutil.parse_json`: nesting too deep for the
    parser is an error like any other, not a RecursionError).

    Raises:
        ValueError: a body that is not UTF-8 JSON, or nested too deep (the message says which).
    """
    return parse_json(resp.content.decode("utf-8"))


def _decoded(resp: requests.Response, what: str) -> Any:
    """The JSON of an answer (None when empty).

    Raises:
        GitHubError: an answer that is not JSON.
    """
    if not resp.content:
        return None
    try:
        return _parsed(resp)
    except ValueError as e:
        raise GitHubError(f"{what}: the answer is not JSON ({e})", resp.status_code) from None


def _message(resp: requests.Response) -> str:
    """The `message` of a JSON error body ("" for any other body)."""
    try:
        body = _parsed(resp)
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _body(resp: requests.Response) -> str:
    """What an error response says: its JSON `message`, else its text on one line.

    Not cut here: the caller redacts the whole text first, then cuts.
    """
    return _message(resp) or " ".join(resp.text.split())
