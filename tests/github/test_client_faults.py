"""The GitHub client against a server that misbehaves: a `Link` that loops, endless pages, an
answer too big to hold, redirects off the API host or in a circle."""

from __future__ import annotations

import pytest
from github_env import TOKEN
from github_server import GitHubServer

from mlxguard.github.client import MAX_PAGES, MAX_RESPONSE_BYTES, Client, GitHubError

LIST = ("GET", "issues/list-comments")
COMMENTS = "/repos/o/r/issues/2/comments"


@pytest.fixture
def server():
    with GitHubServer(TOKEN, pulls={2: "a" * 40}) as s:
        yield s
    assert s.violations == []


def client(server: GitHubServer) -> Client:
    return Client(server.url, TOKEN, deadline_s=30)


def test_a_link_back_to_a_page_already_read_stops_at_once(server):
    back = f'<{server.url}{COMMENTS}?per_page=100&page=1>; rel="next"'
    server.answers[LIST] = (200, [], {"Link": back})
    with client(server) as c, pytest.raises(GitHubError, match="loop"):
        list(c.paginate(COMMENTS))
    assert len(server.calls("issues/list-comments")) <= 3


def test_pages_are_capped(server):
    server.seed_comments(2, 100 * MAX_PAGES + 1)
    with client(server) as c, pytest.raises(GitHubError, match=f"more than {MAX_PAGES} pages"):
        list(c.paginate(COMMENTS))
    assert len(server.calls("issues/list-comments")) == MAX_PAGES


@pytest.mark.parametrize(
    ("answer", "error"),
    [({"message": "x"}, "not a list"), (3, "not a list"), ("<html>", "not JSON")],
)
def test_a_page_that_is_not_a_list_is_an_error(server, answer, error):
    server.answers[LIST] = (200, answer, {})
    with client(server) as c, pytest.raises(GitHubError, match=error):
        list(c.paginate(COMMENTS))


def test_an_answer_too_big_is_not_read_whole(server):
    server.huge_body[LIST] = 300 * 2**20
    with client(server) as c, pytest.raises(GitHubError, match="over 32 MiB"):
        c.json("GET", COMMENTS)
    assert server.bytes_sent < 3 * MAX_RESPONSE_BYTES  # stopped, not read to the end


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_off_the_api_host_is_not_followed(server, status):
    with GitHubServer(TOKEN) as elsewhere:
        where = f"{elsewhere.url}/repos/o/r/statuses/{'a' * 40}"
        server.answers[("POST", "repos/create-commit-status")] = (status, None, {"Location": where})
        with client(server) as c, pytest.raises(GitHubError, match="redirect off the API host"):
            c.request("POST", f"/repos/o/r/statuses/{'a' * 40}", json={"state": "success"})
        assert elsewhere.requests == []  # neither the token nor the body went there


def test_a_redirect_on_the_api_host_is_followed(server):
    server.answers[LIST] = (301, None, {"Location": "/repos/o/r/pulls/2"})
    with client(server) as c:
        assert c.json("GET", COMMENTS)["head"]["sha"] == "a" * 40


def test_redirects_in_a_circle_end(server):
    server.answers[LIST] = (302, None, {"Location": COMMENTS})
    with client(server) as c, pytest.raises(GitHubError, match="more than 5 redirects"):
        c.json("GET", COMMENTS)
    assert len(server.calls("issues/list-comments")) == 6


def test_a_post_moved_for_good_is_not_repeated_as_something_else(server):
    server.answers[("POST", "issues/create-comment")] = (301, None, {"Location": COMMENTS})
    with client(server) as c, pytest.raises(GitHubError, match="not repeated"):
        c.request("POST", COMMENTS, json={"body": "x"})
    assert len(server.calls("issues/create-comment")) == 1
