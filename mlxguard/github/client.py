"""A small GitHub REST client: retries, rate limits, pagination, and a token kept secret.

This is the only module that reads `GITHUB_TOKEN`. The token is sent only to the configured API
host (never to a `Link` URL elsewhere) and is scrubbed from every error message.

Faults:
- 5xx and connection errors are retried with exponential backoff, but only for idempotent
  requests. A POST that failed that way raises `GitHubError(uncertain=True)`: it may have been
  applied, so the caller looks before posting again.
- Primary and secondary rate limits (403/429 with `retry-after`, or `x-ratelimit-remaining: 0`
  with `x-ratelimit-reset`) are waited out when the wait is at most `max_wait_s`; a rate-limited
  request was not applied, so it is repeated whatever its method.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

API_VERSION = "2022-11-28"
MEDIA_TYPE = "application/vnd.github+json"
# GitHub asks clients to wait at least a minute after a secondary rate limit without retry-after.
SECONDARY_WAIT_S = 60.0


class GitHubError(Exception):
    """A request that failed for good.

    Attributes:
        status: the HTTP status, or None when no response arrived.
        uncertain: the request may have been applied (a POST met a 5xx or a broken connection).
    """

    def __init__(self, message: str, status: int | None = None, *, uncertain: bool = False):
        super().__init__(message)
        self.status = status
        self.uncertain = uncertain


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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = token
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self._sleep = sleep
        self._clock = clock
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

    def redact(self, text: str) -> str:
        """`text` with the token replaced, for anything that may be printed."""
        return text.replace(self._token, "***") if self._token else text

    def _url(self, path_or_url: str) -> str:
        if "://" not in path_or_url:
            return f"{self.api_url}/{path_or_url.lstrip('/')}"
        api, url = urlsplit(self.api_url), urlsplit(path_or_url)
        if (url.scheme, url.netloc) != (api.scheme, api.netloc):
            # A Link header pointing elsewhere must not receive the token.
            raise GitHubError(f"refusing to follow a link off the API host: {url.netloc}")
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
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            try:
                resp = self._session.request(
                    method, url, json=json, params=params, headers=headers, timeout=self.timeout_s
                )
            except requests.RequestException as e:
                reason = self.redact(f"{what}: {type(e).__name__}")
                if not idempotent or last:
                    raise GitHubError(f"{reason}; gave up", uncertain=not idempotent) from None
                self._wait(self._backoff(attempt), reason)
                continue
            wait = self._rate_limit_wait(resp)
            if wait is not None:
                reason = f"{what}: rate limited ({resp.status_code})"
                if wait > self.retry.max_wait_s or last:
                    raise GitHubError(
                        f"{reason}; the limit resets in {wait:.0f} s", resp.status_code
                    )
                self._wait(wait, reason)
                continue
            if resp.status_code >= 500:
                reason = f"{what}: HTTP {resp.status_code}"
                if not idempotent or last:
                    raise GitHubError(
                        f"{reason}; gave up", resp.status_code, uncertain=not idempotent
                    )
                self._wait(self._backoff(attempt), reason)
                continue
            if resp.status_code >= 400:
                raise GitHubError(
                    self.redact(f"{what}: HTTP {resp.status_code}: {_message(resp)}"),
                    resp.status_code,
                )
            return resp
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _backoff(self, attempt: int) -> float:
        return min(self.retry.backoff_s * 2 ** (attempt - 1), self.retry.max_wait_s)

    def _wait(self, seconds: float, reason: str) -> None:
        self.log.append(f"{reason}; retrying in {seconds:.1f} s")
        self._sleep(seconds)

    def _rate_limit_wait(self, resp: requests.Response) -> float | None:
        """Seconds to wait before repeating a rate-limited request; None if not rate limited."""
        if resp.status_code not in (403, 429):
            return None
        h = resp.headers
        retry_after = h.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            return float(retry_after)
        if h.get("x-ratelimit-remaining") == "0" and (h.get("x-ratelimit-reset") or "").isdigit():
            return max(0.0, float(h["x-ratelimit-reset"]) - self._clock()) + 1.0
        if resp.status_code == 429 or "rate limit" in _message(resp).lower():
            return SECONDARY_WAIT_S
        return None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request()` and the decoded JSON body."""
        resp = self.request(method, path, **kwargs)
        return resp.json() if resp.content else None

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Every item of a list endpoint, following `Link: rel="next"` to the last page."""
        url: str | None = path
        query: Mapping[str, Any] | None = {"per_page": 100, **(params or {})}
        while url:
            resp = self.request("GET", url, params=query)
            yield from resp.json()
            url = resp.links.get("next", {}).get("url")
            query = None  # the next link carries the query string


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""
